#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Live mode on THIS machine with its RAM read through BPF (src/1-image/bpf_live.c), where
/proc/kcore is missing or not wanted (IC_LIVE_MEMORY=bpf skips it).

Needs root and a kernel whose BPF may read kernel memory (5.10+, no lockdown); exits 77 (skip)
otherwise, naming why. When the running kernel has CONFIG_KALLSYMS_ALL, its own data symbols
are the truth: the run withholds them (--withhold-data-syms, as a kernel without it lists
kallsyms) and every data symbol recovered through BPF must be at the kernel's own address.
Without it (a Firecracker 6.18 microVM: no KALLSYMS_ALL, no /proc/kcore), the profile must have
the symbols Volatility starts from, linux_banner's bytes must be /proc/version's, and every
text symbol the kernel lists must be at its kallsyms address less the KASLR offset.
A --live-root tree is never read through BPF (BPF reads only the running kernel)."""
import base64
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

NEEDED = ("linux_banner", "init_task", "init_mm", "init_files", "init_uts_ns")


def kallsyms():
    """{name: ({runtime addresses}, type)} of the running kernel's vmlinux symbols (a static
    name may stand at several addresses; the type is the first one's)."""
    out = {}
    with open("/proc/kallsyms") as f:
        for line in f:
            a = line.split()
            if len(a) == 3:
                out.setdefault(a[2], (set(), a[1]))[0].add(int(a[0], 16))
    return out


def main():
    c = icfix.Counter()
    if os.geteuid() != 0:
        print("skip: needs root (BPF and /proc/kallsyms addresses)", file=sys.stderr)
        sys.exit(77)
    ks = kallsyms()
    if not ks or all(a == {0} for a, _ in ks.values()):
        print("skip: /proc/kallsyms addresses hidden", file=sys.stderr)
        sys.exit(77)
    full = sum(1 for _, t in ks.values() if t in "dDbB") >= 1000
    env = dict(os.environ, IC_LIVE_MEMORY="bpf")
    env.pop("IC_LIVE_ROOT", None)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        out = os.path.join(tmp, "live.json")
        args = ["-v", "-o", out] + (["--withhold-data-syms"] if full else [])
        r = icfix.run(*args, check=False, env=env)
        err = r.stderr.decode(errors="replace")
        if r.returncode == 3 and "nor can BPF read kernel memory" in err:
            line = [x for x in err.splitlines() if "error:" in x]
            print("skip: BPF cannot read this kernel's memory: " + (line[-1] if line else err[-300:]),
                  file=sys.stderr)
            sys.exit(77)
        c.check(r.returncode == 0 and os.path.exists(out) and "through live memory (BPF)" in err,
                f"live through BPF: exit {r.returncode}: {err[-800:]!r}",
                "live through BPF: exit 0, data symbols recovered through live memory (BPF)")
        if r.returncode != 0 or not os.path.exists(out):
            c.finish()
        # the BPF reads themselves: the BTF carved from RAM through them is as long as the one
        # the kernel serves in sysfs (another source), and the kernel image's VMCOREINFO note
        # (read from the physical address /sys/kernel/vmcoreinfo gives) names this release
        m = re.search(r"live memory \(BPF\): btf: 0x([0-9a-f]+) bytes at", err)
        size = os.path.getsize("/sys/kernel/btf/vmlinux")
        c.check(m and int(m.group(1), 16) == size, f"carved BTF {m and m.group(0)!r}, sysfs {size}",
                f"the BTF carved through BPF is sysfs' {size} bytes")
        rel = open("/proc/version").read().split()[2]
        if os.path.exists("/sys/kernel/vmcoreinfo"):
            c.check(re.search(r"live memory \(BPF\): vmcoreinfo: the container's ELF note.*"
                              rf"OSRELEASE={re.escape(rel)}", err) is not None,
                    "no VMCOREINFO line (the note read through BPF) in -v output",
                    f"VMCOREINFO read through BPF: OSRELEASE={rel}")
        isf = json.load(open(out))
        syms = isf["symbols"]
        c.check(all(n in syms for n in NEEDED), f"missing: {[n for n in NEEDED if n not in syms]}",
                "the symbols analyses start from are there: " + ", ".join(NEEDED))
        banner = base64.b64decode(syms["linux_banner"].get("constant_data", ""))
        c.check(banner == open("/proc/version", "rb").read() + b"\0", f"banner {banner[:80]!r}",
                "linux_banner's bytes are /proc/version's")
        off = min(ks["_text"][0]) - syms["_text"]["address"]
        text = [n for n, (_, t) in ks.items() if t in "tT" and n in syms]
        bad = [n for n in text if syms[n]["address"] + off not in ks[n][0]]
        c.check(len(text) > 1000 and not bad, f"{len(bad)} of {len(text)} text symbols off: {bad[:5]}",
                f"{len(text)} text symbols at kallsyms - KASLR offset 0x{off:x}")
        if full:
            # the truth: the kernel's own data symbols, withheld from the run
            rec = [n for n in syms if n in ks and ks[n][1] not in "tTwW"]
            wrong = [f"{n} 0x{syms[n]['address'] + off:x} not in {sorted(ks[n][0])}" for n in rec
                     if syms[n]["address"] + off not in ks[n][0]]
            c.check(len(rec) >= len(NEEDED) and not wrong,
                    f"{len(wrong)} of {len(rec)} recovered data symbols wrong: {wrong[:5]}",
                    f"{len(rec)} recovered data symbols at the kernel's own addresses")
        # a --live-root tree is never read through BPF, IC_LIVE_MEMORY or not
        root = os.path.join(tmp, "root")
        for d in ("proc", "sys/kernel/btf"):
            os.makedirs(os.path.join(root, d))
        with open(os.path.join(root, "proc/kallsyms"), "w") as f:
            f.writelines(f"{a:016x} {t} {n}\n" for n, (aa, t) in ks.items() if t in "tT" for a in sorted(aa))
        os.symlink("/sys/kernel/btf/vmlinux", os.path.join(root, "sys/kernel/btf/vmlinux"))
        os.symlink("/proc/version", os.path.join(root, "proc/version"))
        r = icfix.run("--live-root", root, "-o", os.path.join(tmp, "root.json"), check=False, env=env)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 3 and "there is no /proc/kcore:" in err and "BPF" not in err,
                f"--live-root: exit {r.returncode}: {err[-500:]!r}",
                "--live-root tree: not read through BPF (exit 3, no kcore named)")
    c.finish()


if __name__ == "__main__":
    main()
