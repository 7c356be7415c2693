#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Ubuntu's banner shape, made from fx-forky-7.2 (docs/kallsyms.md, "Real kernels before 4.6").

Ubuntu kernels print the package's signature after UTS_VERSION in linux_banner only:
  linux_banner  "... #218-Ubuntu SMP Wed Dec 2 18:48:38 UTC 2026 (Ubuntu 5.15.0-208.218-generic 5.15.225)\\n"
  /proc/version "... #218-Ubuntu SMP Wed Dec 2 18:48:38 UTC 2026\\n"   (= init_uts_ns' version)
Seen on real Ubuntu 4.4, 4.15 and 5.15 images. Debian's banner ends in a " (date)" group that is
part of its version, so the same shape is made from the fixture by cutting init_uts_ns' version
before that group: then linux_banner = the version + one trailing " (...)" group, as on Ubuntu.

  no copies:  the profile is written (exit 0) with the kernel's linux_banner bytes, no warning;
              before the fix: exit 3, "the banner is in doubt" (init_uts_ns' version not matched)
  copies:     two copies of the /proc/version form (the line without the group) elsewhere in
              RAM: still the kernel's bytes; before the fix the profile took the copies' text
              ("took theirs"), a string Volatility no longer finds once those copies are gone
"""
import base64
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402


def main():
    c = icfix.Counter()
    fx = "fx-forky-7.2"
    src = icfix.fixture(fx, "mem.elf")
    truth = open(icfix.fixture(fx, "truth/version"), "rb").read()
    line = truth.rstrip(b"\n")
    cut = line.rindex(b" (")
    unsigned = line[:cut]              # what /proc/version would print on the Ubuntu shape
    version = unsigned[unsigned.index(b"#"):]
    full_version = line[line.index(b"#"):]
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        r = icfix.run("scan", "--json", src)
        ks = json.loads(r.stdout)["kallsyms"]
        delta = int(ks["virt_delta"], 16)
        uts = None
        for l in open(icfix.fixture(fx, "truth/kallsyms")):
            p = l.split()
            if len(p) == 3 and p[2] == "init_uts_ns":
                uts = (int(p[0], 16) - delta) & (2**64 - 1)
        c.check(uts is not None, "init_uts_ns not in truth/kallsyms")
        segs = imgconv.ranges(src)
        img = os.path.join(tmp, "m.elf")
        shutil.copyfile(src, img)
        with open(img, "r+b") as f:
            # init_uts_ns.name.version: the full version string within the struct's first KiB
            off = imgconv.file_offset(segs, uts)
            f.seek(off)
            blob = f.read(1024)
            at = blob.find(full_version + b"\0")
            c.check(at >= 0, f"init_uts_ns holds no {full_version!r}")
            f.seek(off + at + len(version))
            f.write(b"\0")             # init_uts_ns' version now stops before the " (...)" group
        out = os.path.join(tmp, "p.json")

        def profile(what):
            if os.path.exists(out):
                os.unlink(out)
            r = icfix.run(img, "-o", out, check=False)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 0, f"{what}: exit {r.returncode}: {err[-400:]!r}")
            if r.returncode == 0:
                got = base64.b64decode(json.load(open(out))["symbols"]["linux_banner"]["constant_data"])
                c.check(got == line + b"\n\0", f"{what}: profile banner {got[-80:]!r}, "
                        f"not the kernel's linux_banner")
            c.check("took theirs" not in err and "in doubt" not in err and "differ" not in err,
                    f"{what}: warning: {err[-400:]!r}")
            return err

        profile("no /proc/version-form copies")
        # two /proc/version-form copies, each at the start of an all-zero page far below the kernel
        placed = 0
        with open(img, "r+b") as f:
            for pa, off, sz in segs:
                for page in range(pa + (16 << 20), pa + sz - 4096, 1 << 20):
                    if placed == 2:
                        break
                    f.seek(off + page - pa)
                    if f.read(4096) != bytes(4096):
                        continue
                    f.seek(off + page - pa)
                    f.write(unsigned + b"\n\0")
                    placed += 1
        c.check(placed == 2, f"only {placed} zero pages found for the copies")
        r = icfix.run("scan", "-v", img, check=False)
        c.check(re.search(rb"2 copies hold the kernel's linux_banner without", r.stderr) is not None,
                f"the copies are not reported as the /proc/version form: {r.stderr[-400:]!r}")
        profile("two /proc/version-form copies")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
