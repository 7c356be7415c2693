#!/usr/bin/env python3
"""Live mode on x86-64: /proc/kcore's KERNELOFFSET checks the link-time _text (fake roots).

x86-64's link-time _text is __START_KERNEL_map + ALIGN(CONFIG_PHYSICAL_START, ALIGN) from the
kernel config, else the default 0xffffffff81000000. /proc/kcore's VMCOREINFO note (root) gives
KERNELOFFSET = runtime _text - link-time _text: independent evidence, which must agree with the
rule (the config's, or the default's). Fake root from fx-deb12-6.1's truth (IC_LIVE_ROOT):
proc/kallsyms = truth/kallsyms (data symbols too), sys/kernel/btf/vmlinux, proc/version,
boot/config-<release>, proc/kcore = tests/lib/kcoreconv.py's copy of mem.lime. Checked:
  1. no config, kcore: exit 0 from KERNELOFFSET (no "assuming" warning), every symbol =
     System.map; config + kcore: the same profile; neither: the default, with its warning;
  2. KERNELOFFSET + 1 MiB (same length): without config and with it, exit 3, one line naming
     both values and the other source, no OUT;
  3. kallsyms without data symbols, no config: the edited KERNELOFFSET is left to the KASLR
     stage of the kcore read (live_kcore.c), which finds the slide in doubt: exit 3; the
     intact one gives the right profile."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import liveroot  # noqa: E402
from liveroot import live  # noqa: E402

FX = "fx-deb12-6.1"


def main():
    c = icfix.Counter()
    img = icfix.fixture(FX, "mem.lime")
    work = os.path.join(icfix.BUILD, "derived", "live-x86-ko")
    shutil.rmtree(work, ignore_errors=True)
    fake = liveroot.make(FX, img, os.path.join(work, "root"))
    root, config, kcore = fake.path, fake.config, fake.kcore
    stash = os.path.join(work, "stash")
    os.makedirs(stash)
    smap, dup = liveroot.system_map(FX)
    out = os.path.join(work, "out.json")

    def move(path, to_stash):
        a, b = path, os.path.join(stash, os.path.basename(path))
        os.rename(*((a, b) if to_stash else (b, a)))

    # 1. the link-time _text from KERNELOFFSET (no config), config + kcore, neither
    profiles = {}
    for label, gone, want, unwanted in (
            ("kcore only", [config], f"from {kcore} VMCOREINFO, as the default rule says",
             "assuming link-time _text"),
            ("config+kcore", [], f"from {kcore} VMCOREINFO, as {config} says", "assuming"),
            ("neither", [config, kcore], "warning: no x86-64 kernel config", None)):
        for g in gone:
            move(g, True)
        rc, err = live(root, out, "-v")
        for g in gone:
            move(g, False)
        c.check(rc == 0 and want in err and (unwanted is None or unwanted not in err),
                f"{label}: exit {rc}: {err[-700:]!r}")
        if rc:
            continue
        s = json.load(open(out))["symbols"]
        wrong = liveroot.wrong_symbols(s, smap, dup)
        c.check(not wrong and len(s) > 80000 and "init_task" in s,
                f"{label}: {len(wrong)} of {len(s)} symbols differ from System.map: {wrong[:5]}")
        profiles[label] = open(out, "rb").read()
        if not wrong:
            print(f"ok: {label}: {len(s)} symbols = System.map")
    c.check(len(profiles) == 3 and len(set(profiles.values())) == 1, "the three profiles differ")

    # 2. KERNELOFFSET edited by 1 MiB: refused, without a config and with one
    at, ko = liveroot.kerneloffset(kcore)
    c.check(liveroot.set_kerneloffset(kcore, at, ko + (1 << 20)), "KERNELOFFSET + 1 MiB changed length")
    for label, other in (("no config", "the default CONFIG_PHYSICAL_START"), ("config", config)):
        if label == "no config":
            move(config, True)
        if os.path.exists(out):
            os.unlink(out)
        rc, err = live(root, out)
        if label == "no config":
            move(config, False)
        lines = err.strip().splitlines()
        ok = (rc == 3 and not os.path.exists(out) and len(lines) == 1 and
              "0xffffffff80f00000 from KERNELOFFSET" in err and
              "disagrees with 0xffffffff81000000 from " + other in err and "--map System.map" in err)
        c.check(ok, f"KERNELOFFSET + 1 MiB, {label}: exit {rc}, {err[-600:]!r}")
        if ok:
            print(f"ok: KERNELOFFSET + 1 MiB, {label}: exit 3, {lines[-1][:160]}")
    # 3. kallsyms without data symbols (no KALLSYMS_ALL), no config: the kernel is read through
    #    kcore, whose KASLR stage decides (the image's IKCONFIG could settle it; this kernel has
    #    none): the edited KERNELOFFSET is a slide in doubt, exit 3 naming both, no OUT.
    with open(fake.kallsyms, "rb") as f:
        text, _ = liveroot.text_only(f.read())
    with open(fake.kallsyms, "wb") as f:
        f.write(text)
    move(config, True)
    if os.path.exists(out):
        os.unlink(out)
    rc, err = live(root, out)
    ok = (rc == 3 and not os.path.exists(out) and "slide is in doubt" in err and
          "0xffffffff80f00000" in err and "0xffffffff81000000" in err)
    c.check(ok, f"text-only kallsyms, KERNELOFFSET + 1 MiB: exit {rc}, {err[-600:]!r}")
    if ok:
        print(f"ok: text-only kallsyms, KERNELOFFSET + 1 MiB: exit 3, {err.strip().splitlines()[-1][:160]}")
    #    The same with this kernel's debug vmlinux in the root: the kcore read's doubt still
    #    stops the run (it used to fall back to placing linux_banner from the vmlinux: exit 0,
    #    every text symbol on the assumed default _text).
    with open(os.path.join(root, "proc", "version")) as f:
        release = f.read().split()[2]
    dbg = os.path.join(root, "usr", "lib", "debug", "boot")
    os.makedirs(dbg, exist_ok=True)
    os.symlink(icfix.fixture(FX, "vmlinux"), os.path.join(dbg, "vmlinux-" + release))
    rc, err = live(root, out)
    ok = (rc == 3 and not os.path.exists(out) and "error: " + kcore + ": the KASLR slide is in doubt"
          in err and "placed from" not in err)
    c.check(ok, f"text-only kallsyms, KERNELOFFSET + 1 MiB, a vmlinux there: exit {rc}, {err[-600:]!r}")
    if ok:
        print("ok: text-only kallsyms, KERNELOFFSET + 1 MiB, with the vmlinux: still exit 3")
    os.unlink(os.path.join(dbg, "vmlinux-" + release))
    liveroot.set_kerneloffset(kcore, at, ko)
    rc, err = live(root, out, "-v")
    ok = rc == 0 and f"from {kcore} VMCOREINFO, as the default rule says" in err
    if ok:
        s = json.load(open(out))["symbols"]
        wrong = liveroot.wrong_symbols(s, smap, dup)
        ok = not wrong and "init_task" in s
    c.check(ok, f"text-only kallsyms, kcore: exit {rc}, {err[-600:]!r}")
    if ok:
        print("ok: text-only kallsyms, no config: the default confirmed by KERNELOFFSET, = System.map")
    move(config, False)
    shutil.rmtree(work, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
