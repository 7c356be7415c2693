#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A page-cache copy of the kernel's kallsyms tables must not be taken for the kernel's own.

An acquisition written inside the machine (a /proc/kcore or LiME copy to tmpfs or disk, a
vmlinux read by a tool) leaves copies of the kernel image in RAM: a real Debian 5.10 /proc/kcore
copy held three decodable kallsyms copies, all finding the same virtual base near the real
banner. Before 6.0 nothing in VMCOREINFO names the tables, and the lowest copy won: the
kallsyms_* symbols of the profile were off by the distance between the copies.

Here: the fx-deb12-6.1 LiME as a raw image, every VMCOREINFO text blanked (so the tables are
unnamed, as before 6.0), and a page-aligned copy of the kallsyms tables put 112 MiB lower in
RAM. The profile must equal the one from the same raw image without the copy (every symbol,
the kallsyms_* tables included, at the same address), and scan --json must report the tables
at the kernel's own address.

Then the same with the copy 64 MiB lower, as AVML: both decode windows have the same shape, so
the kernel's copy (found second) is taken over from the page-cache copy's decode (decode_like:
its names and symbols are read from the first, which is freed after it won) - the same profile
again (and, in the ASan build, no use after free)."""
import json
import mmap
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

PY = os.environ.get("IC_PYTHON", "/usr/bin/python3")
CONV = os.path.join(icfix.SRC, "tests", "lib", "imgconv.py")
BLANK = os.path.join(icfix.SRC, "tests", "lib", "blank_vmcoreinfo.py")
BACK, FWD = 1 << 20, 3 << 20  # the copied span around kallsyms_names: every table of 6.1
SHIFT = 0x7000000             # the copy sits this much lower (page-aligned, in RAM)
SHIFT2 = 0x4000000            # for the AVML case: both 112 MiB-back windows fit in RAM
SHARED = os.environ.get("IC_SHARED", os.path.join(icfix.SRC, "..", "shared"))


def scan(c, what, path):
    r = icfix.run("scan", "--json", "-j", "2", path, check=False)
    c.check(r.returncode == 0, f"{what}: scan exit {r.returncode}: {r.stderr[-600:]!r}")
    return json.loads(r.stdout) if r.returncode == 0 else None


def main():
    c = icfix.Counter()
    lime = icfix.fixture("fx-deb12-6.1", "mem.lime")
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        raw, plain, copied = (os.path.join(tmp, n) for n in ("mem.raw", "plain.raw", "copied.raw"))
        subprocess.run([PY, CONV, lime, raw], check=True, capture_output=True)
        n = int(subprocess.run([PY, BLANK, raw, plain], check=True, capture_output=True,
                               text=True).stdout)
        c.check(n > 0, "no VMCOREINFO text blanked")
        os.unlink(raw)
        rep = scan(c, "plain", plain)
        if not rep:
            c.finish()
        ks = rep["kallsyms"]
        c.check(ks and ks["copies"] == 1, f"plain: kallsyms {ks}")
        names = int(ks["phys"], 0)
        src, dst = names - BACK, names - BACK - SHIFT
        shutil.copyfile(plain, copied)
        with open(copied, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            m[dst:dst + BACK + FWD] = m[src:src + BACK + FWD]
        print(f"ok: kallsyms_names at {names:#x}; tables copied to {names - SHIFT:#x}")

        rep2 = scan(c, "with the copy", copied)
        if rep2:
            k2 = rep2["kallsyms"]
            c.check(k2 and k2["copies"] == 2, f"with the copy: {k2 and k2['copies']} copies, want 2")
            c.check(k2 and int(k2["phys"], 0) == names,
                    f"with the copy: tables taken at {k2 and k2['phys']}, the kernel's are at {names:#x}")
        outs = []
        for what, img in (("plain", plain), ("with the copy", copied)):
            out = os.path.join(tmp, what.replace(" ", "_") + ".json")
            r = icfix.run("-q", "-f", "-j", "2", img, "-o", out, check=False)
            c.check(r.returncode == 0, f"profile {what}: exit {r.returncode} {r.stderr[-400:]!r}")
            outs.append(out if r.returncode == 0 else None)
        if all(outs):
            a, b = (json.load(open(p))["symbols"] for p in outs)
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            c.check(not diff, f"symbols differ with the page-cache copy: {diff[:10]}")
            c.check("kallsyms_names" in b, "no kallsyms_names in the profile")
            c.check(open(outs[0], "rb").read() == open(outs[1], "rb").read(),
                    "profiles are not byte-identical")
            print(f"ok: {len(b)} symbols, identical with and without the copy")
        # the copy 64 MiB lower, in an AVML file: the kernel's copy is a decode taken over
        os.unlink(copied)
        shutil.copyfile(plain, copied)
        dst = names - BACK - SHIFT2
        with open(copied, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            m[dst:dst + BACK + FWD] = m[src:src + BACK + FWD]
            size = len(m)
        avml = os.path.join(tmp, "copied.avml")
        subprocess.run([PY, os.path.join(SHARED, "tools/tools/avml-convert.py"), "write", copied,
                        avml, "--ranges", f"0-{size:x}"], check=True, stdout=subprocess.DEVNULL)
        os.unlink(copied)
        r = icfix.run("-vv", "-f", "-j", "2", avml, "-o", os.path.join(tmp, "avml.json"),
                      check=False)
        c.check(r.returncode == 0, f"profile AVML: exit {r.returncode} {r.stderr[-400:]!r}")
        c.check(b"its decode taken over" in r.stderr,
                "AVML: the kernel's copy was decoded again, not taken over (test premise)")
        if r.returncode == 0 and outs[0]:
            c.check(open(os.path.join(tmp, "avml.json"), "rb").read() == open(outs[0], "rb").read(),
                    "AVML with the copy: profile differs from the plain one")
            print("ok: AVML with a copy 64 MiB lower: decode taken over, same profile")
    c.finish()


if __name__ == "__main__":
    main()
