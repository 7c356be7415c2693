#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every VMCOREINFO note of a container is read and compared, not the first one only.

fx-deb12-6.1-kdump's real vmcore.kdump holds no VMCOREINFO note (its two copies are carved from
RAM). Here it gets two: the guest's text in the kdump sub-header (offset_vmcoreinfo, as
makedumpfile writes it) and one in the dump's ELF-note area (offset_note, v4+), then:
  a. the note-area copy's KERNELOFFSET 2 MiB off: the disagreement is said (both values), the
     KASLR stage settles it by independent evidence, the profile is the plain dump's;
  b. the sub-header copy 2 MiB off instead: the same (before, the sub-header copy was dropped
     unread whenever the note area held one: nothing was said);
  c. the note-area copy naming another release: no note is taken, the copies carved from RAM
     decide, the profile is the plain dump's (before, that note was taken and the profile
     refused as mixing two kernels, exit 3);
  d. the note area = garbage (16 bytes of 0xff) and the sub-header copy intact: the copy is still
     found (before, it was appended after the note area, which a note walk never got past);
  e. the note area = one VMCOREINFO note that is not valid text: one warning naming its file
     offset (before: an offset in isfcarve's rebuilt notes buffer, and a stray "0" after the
     message).
In a., the note-area copy is named "the container's ELF note" in the messages and the report
(before: "phys 0xffffffffffffffff")."""
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402


def note(name, desc, ntype=0):
    pad = lambda b: b + bytes(-len(b) % 4)  # noqa: E731
    n = name + b"\0"
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def with_notes(dump, sub_text, area):
    """dump + the sub-header's VMCOREINFO (sub_text) and note area (area bytes) appended."""
    d = bytearray(dump)
    assert d[:8] == b"KDUMP   " and struct.unpack_from("<i", d, 8)[0] >= 4
    bs, = struct.unpack_from("<i", d, 428)
    at = len(d)
    struct.pack_into("<QQQQ", d, bs + 32, at, len(sub_text), at + len(sub_text), len(area))
    return bytes(d) + sub_text + area


def shift(text, by):
    lines = text.decode().splitlines(keepends=True)
    out = []
    for ln in lines:
        if ln.startswith("KERNELOFFSET="):
            ln = "KERNELOFFSET=%x\n" % (int(ln.split("=", 1)[1], 16) + by)
        out.append(ln)
    return "".join(out).encode()


def main():
    c = icfix.Counter()
    src = icfix.fixture("fx-deb12-6.1-kdump", "vmcore.kdump")
    with open(icfix.fixture("fx-deb12-6.1", "truth/vmcoreinfo.txt")) as f:
        text = "".join(ln for ln in f if not ln.startswith("#")).encode()
    rel = next(ln.split("=", 1)[1] for ln in text.decode().splitlines() if ln.startswith("OSRELEASE="))
    ko = next(ln.split("=", 1)[1] for ln in text.decode().splitlines() if ln.startswith("KERNELOFFSET="))
    bad_ko = "%x" % (int(ko, 16) + 0x200000)
    other_rel = text.replace(b"OSRELEASE=" + rel.encode(), b"OSRELEASE=" + rel.encode()[:-1] + b"X")
    dump = open(src, "rb").read()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        ref = os.path.join(tmp, "ref.json")
        icfix.run(src, "-q", "-o", ref)
        want = hashlib.sha256(open(ref, "rb").read()).hexdigest()
        cases = [
            ("a. note area 2 MiB off", text, note(b"VMCOREINFO", shift(text, 0x200000)), "disagree"),
            ("b. sub-header 2 MiB off", shift(text, 0x200000), note(b"VMCOREINFO", text), "disagree"),
            ("c. note area another release", text, note(b"VMCOREINFO", other_rel), "two kernel releases"),
            ("d. note area garbage", text, b"\xff" * 16, None),
            ("e. note area: one bad note", text, note(b"VMCOREINFO", b"\x01\x02garbage"),
             "VMCOREINFO note at offset 0x%x (kdump note area) is not valid VMCOREINFO text "
             "(malformed input)\n" % (len(dump) + len(text))),
        ]
        for what, sub_text, area, said in cases:
            img = os.path.join(tmp, "v.kdump")
            out = os.path.join(tmp, "v.json")
            for p in (img, out):
                if os.path.exists(p):
                    os.unlink(p)
            open(img, "wb").write(with_notes(dump, sub_text, area))
            r = icfix.run(img, "-o", out, "--report", out + ".report", check=False)
            err = r.stderr.decode(errors="replace")
            got = hashlib.sha256(open(out, "rb").read()).hexdigest() if os.path.exists(out) else None
            ok = r.returncode == 0 and got == want
            if said == "disagree":
                ok = ok and "disagree" in err and ko in err.lower() and bad_ko in err.lower()
            elif said:
                ok = ok and said in err
            if what.startswith("a."):
                rep = open(out + ".report").read()
                ok = ok and "ffffffffffffffff" not in rep and "ffffffffffffffff" not in err.lower() \
                    and "the container's ELF note" in rep
            if what.startswith("d."):
                rep = json.loads(icfix.run("scan", "--json", img).stdout)["vmcoreinfo"]
                ok = ok and rep["from_note"] is True and rep["kerneloffset"] == "0x" + ko.lower()
            c.check(ok, f"{what}: exit {r.returncode}, profile {'=' if got == want else '!='} the plain "
                        f"dump's: {err[-700:]!r}",
                    f"{what}: exit 0, the plain dump's profile"
                    + (f"; said: {next((ln for ln in err.splitlines() if said in ln), '')[:150]}" if said else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
