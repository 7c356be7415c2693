#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Link bases a review of the KASLR stage found taken on doubtful evidence (exit 0, every symbol
off), on the real fixtures:

  A. fx-deb12-6.1's LiME without a usable KERNELOFFSET (every "KERNELOFFSET=" renamed, same
     length) and an "IKCFG_ST" config planted in the kernel's freed init memory (phys 0xc700000)
     saying CONFIG_PHYSICAL_START=0x2000000. The kernel embeds no config (kallsyms lists data
     symbols but no kernel_config_data): the planted one is not taken. Before: link _text
     0xffffffff82000000, every symbol 16 MiB high, exit 0. Now: the default, right for Debian.
  B. The same with CONFIG_PHYSICAL_START=0x1100000 / ALIGN 0x100000 (a slide of the wrong
     alignment). Like A, the planted config is never read (the kernel embeds none), so this
     checks the placement rule again with another value; that a config giving a slide of the
     wrong alignment is caught by the cross-checks is test_kaslr's run_synthetic.
  C. fx-arm64-forky-7.2 with NUMBER(MODULES_END) renamed in every VMCOREINFO copy and the chosen
     copy's KERNELOFFSET 1 MiB off: copies that disagree and nothing to settle them. Before: the
     chosen copy won silently (every symbol 1 MiB low, exit 0). Now: exit 3, nothing written.
  D. `isfcarve extract` on A's planted config with VMCOREINFO intact: it writes no config
     (the solver's placement rule, ikconfig.c). Before: ex/config was the planted one, exit 0.
A profile is right when init_task, linux_banner and _text equal System.map."""
import gzip
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402

CHECK = ("init_task", "linux_banner", "_text")


def sysmap(fx):
    want = {}
    with open(icfix.fixture(fx, "System.map")) as f:
        for ln in f:
            a, _t, n = ln.split()[:3]
            if n in CHECK:
                want[n] = int(a, 16)
    return want


def profile(c, what, img, tmp, want_exit, want_syms, said=None):
    out = os.path.join(tmp, "p.json")
    if os.path.exists(out):
        os.unlink(out)
    r = icfix.run(img, "-o", out, check=False)
    err = r.stderr.decode(errors="replace")
    got = {}
    if os.path.exists(out):
        syms = json.load(open(out))["symbols"]
        got = {n: syms[n]["address"] for n in CHECK if n in syms}
    ok = r.returncode == want_exit and (got == want_syms if want_exit == 0 else not os.path.exists(out))
    ok = ok and (said is None or said in err)
    c.check(ok, f"{what}: exit {r.returncode} (want {want_exit}), "
                f"{ {n: hex(v) for n, v in got.items()} }: {err[-500:]!r}",
            f"{what}: exit {r.returncode}" + (f", {said!r}" if said else ", the System.map addresses"))


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        lime = icfix.fixture("fx-deb12-6.1", "mem.lime")
        want = sysmap("fx-deb12-6.1")
        rs = imgconv.ranges(lime)
        base = bytearray(open(lime, "rb").read())
        n = base.count(b"KERNELOFFSET=")
        base = base.replace(b"KERNELOFFSET=", b"KERNELOFFSEX=")
        c.check(n >= 2, f"{n} KERNELOFFSET= in the LiME")
        at = imgconv.file_offset(rs, 0xc700000)
        for what, cfg in (("A. planted IKCONFIG (PHYSICAL_START 0x2000000)",
                           b"CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x2000000\nCONFIG_PHYSICAL_ALIGN=0x200000\n"),
                          ("B. planted IKCONFIG (slide of the wrong alignment)",
                           b"CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x1100000\nCONFIG_PHYSICAL_ALIGN=0x100000\n")):
            img = bytearray(base)
            blob = b"IKCFG_ST" + gzip.compress(cfg, mtime=0) + b"IKCFG_ED"
            img[at:at + len(blob)] = blob
            path = os.path.join(tmp, "planted.lime")
            open(path, "wb").write(img)
            profile(c, what, path, tmp, 0, want)
        del base, img

        img = bytearray(open(lime, "rb").read())
        cfg = b"CONFIG_X86_64=y\nCONFIG_PHYSICAL_START=0x2000000\n# PLANTED\n"
        blob = b"IKCFG_ST" + gzip.compress(cfg, mtime=0) + b"IKCFG_ED"
        img[at:at + len(blob)] = blob
        path = os.path.join(tmp, "planted.lime")
        open(path, "wb").write(img)
        del img
        ex = os.path.join(tmp, "ex")
        r = icfix.run("extract", path, "-d", ex, check=False)
        err = r.stderr.decode(errors="replace")
        wrote = os.path.exists(os.path.join(ex, "config"))
        c.check(r.returncode == 0 and os.path.exists(os.path.join(ex, "banner")) and not wrote,
                f"D. extract, planted config: exit {r.returncode}, config written: {wrote}: "
                f"{err[-500:]!r}", "D. extract, planted config: exit 0, no config written")
        os.unlink(path)

        elf = icfix.fixture("fx-arm64-forky-7.2", "mem.elf")
        want = sysmap("fx-arm64-forky-7.2")
        data = bytearray(open(elf, "rb").read())
        n = data.count(b"NUMBER(MODULES_END)=")
        data = data.replace(b"NUMBER(MODULES_END)=", b"NUMBER(MODULES_ENX)=")
        scan = json.loads(icfix.run("scan", "--json", elf).stdout)["vmcoreinfo"]
        chosen = int(scan["phys"], 16) if scan["phys"] else None
        ko = scan["kerneloffset"][2:]
        c.check(n >= 2 and chosen, f"{n} MODULES_END, chosen VMCOREINFO at {chosen}")
        off = imgconv.file_offset(imgconv.ranges(elf), chosen)
        m = re.compile(rb"KERNELOFFSET=" + ko.encode()).search(data, off)
        c.check(m is not None and m.start() - off < 8192, "the chosen copy's KERNELOFFSET")
        bad = b"%x" % (int(ko, 16) + 0x100000)
        c.check(len(bad) == len(ko), "same length")
        data[m.start() + 13:m.start() + 13 + len(bad)] = bad
        path = os.path.join(tmp, "arm64.elf")
        open(path, "wb").write(data)
        del data
        profile(c, "C. arm64 copies disagree, no MODULES_END", path, tmp, 3, {},
                "no NUMBER(MODULES_END) settles it")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
