#!/usr/bin/env python3
"""Live mode on arm64, through fake roots (IC_LIVE_ROOT) built from fx-arm64-forky-7.2's truth.

The link-time _text (hence the KASLR slide) of an arm64 kernel comes from evidence, never a
default: /proc/kcore's VMCOREINFO (KERNELOFFSET, checked against NUMBER(MODULES_END)) and the
arm64 layout rule applied to /boot/config-<release> (VA_BITS, release); both must agree when
both are there. The fake root: proc/kallsyms = truth/kallsyms (the module lines too, one with a
0x02 byte in a name, as this kernel lists them), sys/kernel/btf/vmlinux, proc/version,
boot/config-<release>, proc/kcore = tests/lib/kcoreconv.py's copy of mem.elf. Checked:
  1. config only, kcore only, both: exit 0, every symbol = System.map, the three profiles equal;
  2. neither: exit 3, one line naming /proc/kcore, /boot/config-<release> and --map; a release
     without a rule (6.0), a config of another VA_BITS (39), a kcore whose KERNELOFFSET
     is off by 1 MiB (not MODULES_END), config and kcore that disagree: exit 3, no OUT;
  3. kallsyms without data symbols (text only) + kcore: the data symbols recovered through
     kcore = System.map and = IMAGE mode's recovered set, linux_banner = truth/version."""
import base64
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import liveroot  # noqa: E402
from liveroot import live  # noqa: E402

FX = "fx-arm64-forky-7.2"


def main():
    c = icfix.Counter()
    img = icfix.fixture(FX, "mem.elf")
    work = os.path.join(icfix.BUILD, "derived", "live-arm64")
    shutil.rmtree(work, ignore_errors=True)
    fake = liveroot.make(FX, img, os.path.join(work, "root"))
    root, tdir, config, kcore = fake.path, fake.tdir, fake.config, fake.kcore
    version, release = fake.version, fake.release
    stash = os.path.join(work, "stash")
    os.makedirs(stash)
    smap, dup = liveroot.system_map(FX)
    out = os.path.join(work, "out.json")

    def hide(path):
        os.rename(path, os.path.join(stash, os.path.basename(path)))

    def unhide(path):
        os.rename(os.path.join(stash, os.path.basename(path)), path)

    def refused(label, want, *extra):
        if os.path.exists(out):
            os.unlink(out)
        rc, err = live(root, out, *extra)
        lines = err.strip().splitlines()
        ok = rc == 3 and not os.path.exists(out) and all(w in err for w in want)
        c.check(ok, f"{label}: exit {rc}, {err[-500:]!r}")
        if ok:
            print(f"ok: {label}: exit 3, {lines[-1][:150]}")

    # 1. the link-time _text from the config, from kcore, from both
    profiles = {}
    for label, gone in (("config", kcore), ("kcore", config), ("config+kcore", None)):
        if gone:
            hide(gone)
        rc, err = live(root, out, "-v")
        if gone:
            unhide(gone)
        src = {"config": f"from {config}", "kcore": f"from {kcore} VMCOREINFO",
               "config+kcore": f"from {kcore} VMCOREINFO, as {config}"}[label]
        c.check(rc == 0 and src in err, f"{label}: exit {rc}: {err[-500:]!r}")
        if rc:
            continue
        s = json.load(open(out))["symbols"]
        wrong = liveroot.wrong_symbols(s, smap, dup)
        c.check(not wrong and len(s) > 150000 and "init_task" in s,
                f"{label}: {len(wrong)} of {len(s)} symbols differ from System.map: {wrong[:5]}")
        profiles[label] = open(out, "rb").read()
        if not wrong:
            print(f"ok: {label}: {len(s)} symbols = System.map (link _text {src})")
    c.check(len(set(profiles.values())) == 1 and len(profiles) == 3, "the three profiles differ")

    # 2. refusals
    hide(kcore)
    hide(config)
    refused("neither config nor kcore", ["/proc/kcore", f"/boot/config-{release}", "--map System.map"])
    cfg = open(os.path.join(stash, os.path.basename(config)), "rb").read()
    open(config, "wb").write(cfg.replace(b"CONFIG_ARM64_VA_BITS=52", b"CONFIG_ARM64_VA_BITS=39"))
    refused("a config of VA_BITS 39", ["wrong kernel config?"])
    os.unlink(config)
    # a 6.0 kernel: same bytes, another release (proc/version and the config's name)
    old = release.encode()
    new = b"6.0" + old[old.index(b".", old.index(b".") + 1):]  # 7.2.12+... -> 6.0.12+...
    open(os.path.join(root, "proc/version"), "wb").write(version.replace(old, new, 1))
    shutil.copy(os.path.join(stash, os.path.basename(config)),
                os.path.join(root, "boot", "config-" + new.decode()))
    refused("release 6.0 (no rule before 6.1)", ["no arm64 layout rule for a release before 6.1"])
    os.unlink(os.path.join(root, "boot", "config-" + new.decode()))
    shutil.copy(os.path.join(tdir, "version"), os.path.join(root, "proc/version"))
    unhide(kcore)
    at, ko = liveroot.kerneloffset(kcore)
    c.check(liveroot.set_kerneloffset(kcore, at, ko + (1 << 20)), "KERNELOFFSET + 1 MiB changed length")
    refused("kcore KERNELOFFSET off by 1 MiB", ["not at NUMBER(MODULES_END)"])
    liveroot.set_kerneloffset(kcore, at, ko)
    unhide(config)
    open(config, "wb").write(cfg.replace(b"CONFIG_ARM64_VA_BITS=52", b"CONFIG_ARM64_VA_BITS=47"))
    refused("config (VA_BITS 47) and kcore disagree", ["disagrees with", config])
    open(config, "wb").write(cfg)

    # 3. no KALLSYMS_ALL: text symbols only, the data symbols recovered through kcore
    with open(fake.kallsyms, "rb") as f:
        text, names = liveroot.text_only(f.read())
    with open(fake.kallsyms, "wb") as f:
        f.write(text)
    rc, err = live(root, out)
    c.check(rc == 0, f"text-only kallsyms: exit {rc}: {err[-500:]!r}")
    if rc == 0:
        s = json.load(open(out))["symbols"]
        wrong = liveroot.wrong_symbols(s, smap, dup)
        c.check(not wrong, f"text-only: {len(wrong)} symbols differ from System.map: {wrong[:5]}")
        got = base64.b64decode(s.get("linux_banner", {}).get("constant_data", ""))
        c.check(got == version + b"\0", f"text-only: banner {got[:60]!r}")
        ref = os.path.join(work, "image.json")
        r = icfix.run("-f", "-q", "--withhold-data-syms", "--allow-partial", img, "-o", ref, check=False)
        c.check(r.returncode in (0, 3), f"IMAGE mode exit {r.returncode}")
        si = json.load(open(ref))["symbols"]
        rec, rec_img = set(s) - names, set(si) - names
        c.check(rec == rec_img and rec, f"recovered sets differ: live only {sorted(rec - rec_img)[:10]}, "
                f"image only {sorted(rec_img - rec)[:10]}")
        diff = [n for n in rec & rec_img if s[n]["address"] != si[n]["address"]]
        c.check(not diff, f"recovered addresses differ from IMAGE mode: {diff}")
        if not wrong and rec == rec_img and not diff:
            print(f"ok: text-only kallsyms: {len(s)} symbols = System.map, {len(rec)} recovered "
                  f"through kcore = IMAGE mode's; banner = truth")
    shutil.rmtree(work)
    c.finish()


if __name__ == "__main__":
    main()
