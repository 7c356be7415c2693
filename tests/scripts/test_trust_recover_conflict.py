#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Two recovery rules that disagree on a symbol: neither wins (fx-deb12-6.1's real LiME as a kernel
without CONFIG_KALLSYMS_ALL: --withhold-data-syms, so init_uts_ns is recovered from memory).

Every VMCOREINFO copy's SYMBOL(init_uts_ns) is edited to init_ipc_ns' runtime address (an image
object too, so it walks to the image mapping). Recovery read VMCOREINFO first and the namespace
rule (init_nsproxy.uts_ns, ns.inum PROC_UTS_INIT_INO), which finds the real object, was then
silently skipped: init_uts_ns was written at init_ipc_ns' address, exit 0. Now the two readings
are a conflict: exit 3 naming both, no file; with --allow-partial, a profile without
init_uts_ns (and the other recovered symbols at System.map's addresses). The same in live
mode (a fake root whose /proc/kcore is the edited image, its VMCOREINFO note edited too): before,
live mode dropped the symbol with a warning and wrote the profile, exit 0."""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import liveroot  # noqa: E402


def main():
    c = icfix.Counter()
    fx = "fx-deb12-6.1"
    lime = icfix.fixture(fx, "mem.lime")
    link, slide = icfix.system_map(fx), icfix.slide(fx)

    data = bytearray(open(lime, "rb").read())
    real = b"SYMBOL(init_uts_ns)=%x\n" % (link["init_uts_ns"] + slide)
    fake = b"SYMBOL(init_uts_ns)=%x\n" % (link["init_ipc_ns"] + slide)
    c.check(len(real) == len(fake), "address lengths differ")
    hits = [m.start() for m in re.finditer(re.escape(real), data)]
    c.check(len(hits) >= 1, f"no VMCOREINFO copy of {real!r} in the image")
    for at in hits:
        data[at:at + len(fake)] = fake
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        path = os.path.join(tmp, "conflict.lime")
        out, part = os.path.join(tmp, "c.json"), os.path.join(tmp, "p.json")
        open(path, "wb").write(data)
        del data
        r = icfix.run(path, "--withhold-data-syms", "-o", out, "--report", os.path.join(tmp, "r.json"),
                      check=False, text=True)
        err = r.stderr
        c.check(r.returncode == 3 and not os.path.exists(out),
                f"exit {r.returncode}, file written: {os.path.exists(out)}: {err[-600:]!r}",
                "exit 3, no file")
        c.check("recovered symbols in doubt" in err and "init_uts_ns" in err
                and "%x" % link["init_ipc_ns"] in err and "%x" % link["init_uts_ns"] in err,
                f"the error does not give both readings: {err[-600:]!r}", "the error names both readings")
        # each address with its own rule (the first reading's text was once read from an entry
        # the compaction had overwritten: another symbol's rule)
        want = (f"init_uts_ns at link 0x{link['init_ipc_ns']:x} (VMCOREINFO SYMBOL(init_uts_ns)"
                f", walks to the image mapping) or 0x{link['init_uts_ns']:x} (init_nsproxy.uts_ns")
        c.check(want in err, f"the readings are not each with its rule: want {want!r} in {err[-700:]!r}",
                "each reading with its own rule")
        rep = json.load(open(os.path.join(tmp, "r.json")))
        names = [e["name"] for e in rep.get("recovered_symbols", [])]
        c.check("init_uts_ns" not in names and "init_uts_ns" in rep.get("recovered_doubt", ""),
                f"report: recovered {names}, doubt {rep.get('recovered_doubt')!r}",
                "report: init_uts_ns in recovered_doubt, not in recovered_symbols")
        r = icfix.run(path, "--withhold-data-syms", "--allow-partial", "-o", part, check=False,
                      text=True)
        c.check(r.returncode == 3 and os.path.exists(part),
                f"--allow-partial: exit {r.returncode}: {r.stderr[-400:]!r}", "--allow-partial: exit 3, written")
        if os.path.exists(part):
            syms = json.load(open(part))["symbols"]
            c.check("init_uts_ns" not in syms,
                    f"init_uts_ns written at 0x{syms.get('init_uts_ns', {}).get('address', 0):x}",
                    "--allow-partial: init_uts_ns left out")
            bad = [n for n in ("init_task", "init_ipc_ns", "init_net", "init_mm")
                   if n in syms and syms[n]["address"] != link[n]]
            c.check(not bad and "init_task" in syms, f"wrong or missing: {bad}",
                    "the other recovered symbols at System.map's addresses")

        # Live mode through /proc/kcore (kallsyms with text symbols only): the same refusal.
        root = os.path.join(tmp, "root")
        fake_root = liveroot.make(fx, path, root, text=True)
        with open(fake_root.kcore, "r+b") as f:
            head = f.read(1 << 16)
            at = head.find(real)
            c.check(at >= 0, "no SYMBOL(init_uts_ns) in kcore's VMCOREINFO note")
            if at >= 0:
                f.seek(at)
                f.write(fake)
        for f_ in (out, part):
            if os.path.exists(f_):
                os.unlink(f_)
        rc, err = liveroot.live(root, out)
        c.check(rc == 3 and not os.path.exists(out) and "recovered symbols in doubt" in err
                and "init_uts_ns" in err and err.count("error:") == 1,
                f"live: exit {rc}, written {os.path.exists(out)}: {err[-600:]!r}",
                "live: exit 3, one error line naming the readings, no file")
        rc, err = liveroot.live(root, part, "--allow-partial")
        ok = (rc == 3 and os.path.exists(part) and err.count("error:") == 1
              and "wrote a PARTIAL profile to" in err and "recovered symbols in doubt are left out" in err)
        if ok:
            syms = json.load(open(part))["symbols"]
            ok = "init_uts_ns" not in syms and syms.get("init_task", {}).get("address") == link["init_task"]
        c.check(ok, f"live --allow-partial: exit {rc}: {err[-400:]!r}",
                "live --allow-partial: exit 3, written without init_uts_ns, init_task right, one line says so")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
