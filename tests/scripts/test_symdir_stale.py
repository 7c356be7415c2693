#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--symbols-dir reuses a stored profile only if this build would write the same one: same
isfcarve version, the same output revision (metadata.producer.revision, IC_ISF_REVISION: raised
by every change to the output between releases) and the same symbol-type table
(metadata.producer.symdb, a hash of the symdb rows). A profile made by another build (older types: before this check every profile of a kernel
was reused forever, whatever symdb or fixes came later) is rebuilt, with one warning naming
both, as --force would. fx-deb12-6.1's LiME into a fresh symbols dir:
  1. written, then reused, with metadata.producer.symdb = this build's x86-64 table id;
  2. the stored profile's symdb id changed, its symdb key removed (a build before the id), its
     version changed, its revision changed, its revision key removed: each time "not reused: it
     was made by isfcarve V (output revision R) with symbol types S",
     rebuilt (written) with this build's id and version, then reused again;
  3. the stored profile cut 5000 bytes short (a partial copy): its xz footer is missing, so it is
     rebuilt (before, the part the reuse check reads was all there: reused);
  4. a second xz stream appended to the stored profile: rebuilt (before: reused, as only the
     first stream was read, and Volatility failed on the file);
  5. the stored profile nested beyond the reader's limit (300 brackets before its end): "not
     reused: it cannot be read whole (input exceeds a size limit)", rebuilt (before: "it was
     made by isfcarve (unknown)", as the limit read as an empty version)."""
import glob
import json
import lzma
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402


def producer(path):
    with lzma.open(path, "rt") as f:
        return json.load(f)["metadata"]["producer"]


def main():
    c = icfix.Counter()
    img = icfix.fixture("fx-deb12-6.1", "mem.lime")
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    sd = os.path.join(tmp, "symbols")
    try:
        r = icfix.run(img, "--symbols-dir", sd, check=False)
        err = r.stderr.decode(errors="replace")
        paths = glob.glob(os.path.join(sd, "linux", "*.json.xz"))
        c.check(r.returncode == 0 and "(written)" in err and len(paths) == 1,
                f"first run: exit {r.returncode}, {paths}, {err[-400:]!r}")
        if r.returncode or len(paths) != 1:
            c.finish()
        path = paths[0]
        own = producer(path)
        c.check(own.get("name") == "isfcarve" and re.fullmatch(r"x86_64-[0-9a-f]{16}", own.get("symdb", ""))
                and re.fullmatch(r"[1-9][0-9]*", own.get("revision", "")),
                f"producer {own}")
        r = icfix.run(img, "--symbols-dir", sd, check=False)
        c.check(r.returncode == 0 and b"(reused)" in r.stderr, f"second run not reused: {r.stderr[-300:]!r}")
        print(f"ok: written, then reused; producer {own}")

        old = json.dumps(own, separators=(",", ":")).encode()
        cases = [
            ("another symdb table", old.replace(own["symdb"].encode(), b"x86_64-0000000000000000"),
             "with symbol types x86_64-0000000000000000"),
            ("no symdb id (a build before it)",
             json.dumps({"name": "isfcarve", "version": own["version"]}, separators=(",", ":")).encode(),
             "with symbol types (not recorded)"),
            ("another version", old.replace(b'"version":"%s"' % own["version"].encode(), b'"version":"0.0.1"'),
             "made by isfcarve 0.0.1"),
            ("another output revision",
             old.replace(b'"revision":"%s"' % own["revision"].encode(), b'"revision":"0"'),
             "(output revision 0)"),
            ("no output revision (a build before it)",
             json.dumps({k: v for k, v in own.items() if k != "revision"}, separators=(",", ":")).encode(),
             # the symdb key is still read and named (before: "(not recorded)" once revision
             # was missing, as the keys were read in a chain)
             f"(output revision (none)) with symbol types {own['symdb']}"),
        ]
        for what, new, want in cases:
            with lzma.open(path, "rb") as f:
                data = f.read()
            c.check(data.count(old) == 1 and new != old, f"{what}: producer not found once in the ISF")
            with lzma.open(path, "wb") as f:
                f.write(data.replace(old, new))
            r = icfix.run(img, "--symbols-dir", sd, check=False)
            err = r.stderr.decode(errors="replace")
            ok = (r.returncode == 0 and "not reused: it was made by isfcarve" in err and want in err
                  and "(written)" in err and producer(path) == own)
            c.check(ok, f"{what}: exit {r.returncode}, producer {producer(path)}, {err[-600:]!r}")
            r = icfix.run(img, "--symbols-dir", sd, check=False)
            c.check(r.returncode == 0 and b"(reused)" in r.stderr, f"{what}: the rebuilt profile is not reused")
            c.check(sorted(os.listdir(os.path.join(sd, "linux"))) == [os.path.basename(path)],
                    f"{what}: files left: {os.listdir(os.path.join(sd, 'linux'))}")
            if ok:
                line = next(ln for ln in err.splitlines() if "not reused" in ln)
                print(f"ok: {what}: rebuilt: {line[:160]}")
        # 3. a copy cut short (rsync, a full disk): everything the reuse check reads is in its
        # first part, so it was reused and Volatility then failed on it. Now its xz footer is
        # checked: rebuilt.
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:-5000])
        r = icfix.run(img, "--symbols-dir", sd, check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 0 and "not reused" in err and "(written)" in err and producer(path) == own,
                f"cut short: exit {r.returncode}: {err[-600:]!r}",
                "a stored profile cut short is rebuilt: "
                + next((ln for ln in err.splitlines() if "not reused" in ln), "")[-80:])
        # 4. a second xz stream appended: the footer at the end matches the first stream's
        # header and the first stream holds the whole ISF, so only the first was read and it was
        # reused; Volatility (lzma.LZMAFile reads every stream) fails on it. Now the file must
        # end where the stream ends: rebuilt.
        with open(path, "ab") as f:
            f.write(lzma.compress(b"garbage"))
        r = icfix.run(img, "--symbols-dir", sd, check=False)
        err = r.stderr.decode(errors="replace")
        with open(path, "rb") as f:
            data = f.read()
        c.check(r.returncode == 0 and "not reused" in err and "data after the end of its compressed stream" in err
                and "(written)" in err and producer(path) == own,
                f"second stream: exit {r.returncode}: {err[-600:]!r}",
                "a stored profile with a second xz stream appended is rebuilt: "
                + next((ln for ln in err.splitlines() if "not reused" in ln), "")[-80:])
        # the rebuilt one is a single stream again
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        dec.decompress(data)
        c.check(dec.eof and dec.unused_data == b"", f"rebuilt profile: unused data {len(dec.unused_data)} bytes")
        # 5. nested beyond the reader's limit: said as such, rebuilt
        with lzma.open(path, "rb") as f:
            data = f.read().rstrip()
        c.check(data.endswith(b"}"), "the stored JSON does not end with }")
        with lzma.open(path, "wb") as f:
            f.write(data[:-1] + b', "zz": ' + b"[" * 300 + b"]" * 300 + b"}\n")
        r = icfix.run(img, "--symbols-dir", sd, check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 0 and "not reused: it cannot be read whole (input exceeds a size limit)" in err
                and "made by isfcarve" not in err and "(written)" in err and producer(path) == own,
                f"nested too deep: exit {r.returncode}: {err[-600:]!r}",
                "a stored profile nested beyond the limit is rebuilt: "
                + next((ln for ln in err.splitlines() if "not reused" in ln), "")[-80:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
