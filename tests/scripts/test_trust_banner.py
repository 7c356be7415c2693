#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Never a silently wrong profile, banner part (issue 18 D5, and the two-kernel LiME warning).

D5: one byte of the running kernel's linux_banner (fx-forky-7.2, at kallsyms' linux_banner)
changed while two exact copies elsewhere agree: the profile's banner must be truth/version
(or the run must fail), and the disagreement must be reported. Once in the part init_uts_ns
does not hold ("debian-kerne2@"), once in the version it does ("#1 SMQ").
Two kernels in one LiME (fx-deb12-6.1 and fx-forky-7.2, in both orders, and each with the
other's ranges appended): a right profile for one, and a warning that another kernel is there.
One copy only (fx-deb12-6.1): exit 3 "in doubt" from IMAGE mode, and from extract, which writes
the other pieces but not the banner.
"""
import base64
import json
import os
import re
import struct
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402


def banner_of(isf):
    return base64.b64decode(isf["symbols"]["linux_banner"]["constant_data"])


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        d5(c, tmp)
        d5_one_copy(c, tmp)
        two_kernels(c, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


def d5(c, tmp):
    fx = "fx-forky-7.2"
    src = icfix.fixture(fx, "mem.elf")
    truth = open(icfix.fixture(fx, "truth/version"), "rb").read().rstrip(b"\n") + b"\n\0"
    r = icfix.run("scan", src)
    m = re.search(rb"\n +at 0x([0-9a-f]+) \(linux_banner\)", r.stdout)
    c.check(m is not None, f"scan shows no banner address: {r.stdout[:400]!r}")
    if not m:
        return
    off = imgconv.file_offset(imgconv.ranges(src), int(m.group(1), 16))
    img = os.path.join(tmp, "m.elf")
    shutil.copyfile(src, img)
    with open(img, "rb") as f:
        f.seek(off)
        own = f.read(len(truth))
    c.check(own == truth, f"the banner at 0x{int(m.group(1), 16):x} is not truth/version: {own[:80]!r}")
    out = os.path.join(tmp, "p.json")
    for what, old, new in (("compile-by part", b"debian-kernel@", b"debian-kerne2@"),
                           ("version part", b"#1 SMP", b"#1 SMQ")):
        k = next(i for i in range(len(old)) if old[i] != new[i])
        with open(img, "r+b") as f:
            f.seek(off + own.index(old) + k)
            f.write(new[k:k + 1])
        if os.path.exists(out):
            os.unlink(out)
        r = icfix.run(img, "-o", out, check=False)
        err = r.stderr.decode(errors="replace")
        if r.returncode == 0:
            got = banner_of(json.load(open(out)))
            c.check(got == truth, f"D5 {what}: profile banner {got[:90]!r}")
        else:
            c.check(r.returncode == 3 and not os.path.exists(out), f"D5 {what}: exit {r.returncode}")
        c.check("linux_banner" in err and "agree" in err, f"D5 {what}: disagreement not reported: {err[-500:]!r}")
        with open(img, "r+b") as f:
            f.seek(off)
            f.write(own)
    os.unlink(img)


def d5_one_copy(c, tmp):
    """fx-deb12-6.1: the running copy and ONE other copy of the release, no third. The mutation
    harness found both cases exit 0 with the damaged banner: in the compiler part (which
    init_uts_ns does not hold: one against one, nothing settles it) and in the version part
    (which init_uts_ns contradicts). Either way the banner is in doubt: exit 3, no file."""
    fx = "fx-deb12-6.1"
    src = icfix.fixture(fx, "mem.lime")
    r = icfix.run("scan", src)
    m = re.search(rb"\n +at 0x([0-9a-f]+) \(linux_banner\)", r.stdout)
    c.check(m is not None, f"scan shows no banner address: {r.stdout[:400]!r}")
    if not m:
        return
    phys = int(m.group(1), 16)
    off = imgconv.file_offset(imgconv.ranges(src), phys)
    img = os.path.join(tmp, "one.lime")
    out = os.path.join(tmp, "one.json")
    for what, old, new in (("compiler part", b"12.2.0-14", b"12.2N0-14"),
                           ("version part", b"PREEMPT_DYNAMIC", b"PREEoPT_DYNAMIC")):
        shutil.copyfile(src, img)
        with open(img, "r+b") as f:
            f.seek(off)
            own = f.read(256)
            f.seek(off + own.index(old))
            f.write(new)
        if os.path.exists(out):
            os.unlink(out)
        r = icfix.run(img, "-o", out, check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 3 and not os.path.exists(out),
                f"one copy, {what}: exit {r.returncode}, file left: {os.path.exists(out)}")
        c.check("banner is in doubt" in err, f"one copy, {what}: no doubt reported: {err[-400:]!r}")
        # extract: the other pieces are written, the banner in doubt is not (it names the kernel
        # a later --btf/--map profile would be matched by); exit 3 naming it
        ex = os.path.join(tmp, "ex")
        shutil.rmtree(ex, ignore_errors=True)
        r = icfix.run("extract", img, "-d", ex, check=False)
        err = r.stderr.decode(errors="replace")
        got = sorted(os.listdir(ex)) if os.path.isdir(ex) else []
        c.check(r.returncode == 3 and "banner" not in got and "System.map" in got and
                "vmlinux.btf" in got and "missing: banner (in doubt:" in err and
                len(err.strip().splitlines()) == 1,
                f"one copy, {what}: extract exit {r.returncode}, files {got}, {err[-400:]!r}")
        shutil.rmtree(ex, ignore_errors=True)
    os.unlink(img)


def two_kernels(c, tmp):
    """A LiME holding two kernels: deb12's ranges, then forky's (an ELF core) moved above them."""
    deb = icfix.fixture("fx-deb12-6.1", "mem.lime")
    forky = icfix.fixture("fx-forky-7.2", "mem.elf")
    deb_r = imgconv.ranges(deb)
    top = (max(p + n - 1 for p, _o, n in deb_r) | 0xfffffff) + 1  # next 256 MiB boundary
    forky_r = imgconv.ranges(forky)

    def write(path, parts):
        with open(path, "wb") as o:
            for src, ranges, base in parts:
                with open(src, "rb") as f:
                    for s, off, n in ranges:
                        o.write(struct.pack("<IIQQQ", 0x4C694D45, 1, s + base, s + base + n - 1, 0))
                        f.seek(off)
                        left = n
                        while left:
                            buf = f.read(min(left, 8 << 20))
                            o.write(buf)
                            left -= len(buf)

    img = os.path.join(tmp, "two.lime")
    for name, parts in (("6.1 low, 7.2 high", [(deb, deb_r, 0), (forky, forky_r, top)]),
                        ("7.2 low, 6.1 high", [(forky, forky_r, 0), (deb, deb_r, top)])):
        write(img, parts)
        out = os.path.join(tmp, "two.json")
        if os.path.exists(out):
            os.unlink(out)
        r = icfix.run(img, "-o", out, check=False)
        err = r.stderr.decode(errors="replace")
        c.check("another kernel is in the image" in err,
                f"two kernels ({name}): no warning that another kernel is there: {err[-600:]!r}")
        if r.returncode == 0:
            got = banner_of(json.load(open(out)))
            c.check(got.startswith(b"Linux version "), f"two kernels ({name}): banner {got[:60]!r}")
    os.unlink(img)


if __name__ == "__main__":
    main()
