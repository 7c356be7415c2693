#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare what `isfcarve extract IMAGE -d DIR` wrote with the ground truth of the image.

  check-extract.py DIR TRUTH [--system-map MAP] [--report REPORT.json]

DIR    the extract directory (kallsyms, System.map, banner).
TRUTH  the image kit's truth directory (tools/extract-truth.py): kallsyms, version, slide.txt,
       iomem; each may be an .xz file instead (the CI fixtures' truth/).
MAP    the kernel's real System.map (a -dbg package's, or Ubuntu's /boot/System.map-*), .xz too.
REPORT the --report JSON of a profile run (`isfcarve IMAGE -o X --report REPORT.json`): its
       KASLR slide and physical _text are checked against slide.txt and iomem.

Checks, each printed with its counts:
  kallsyms    = truth/kallsyms without the [module], [bpf] and ftrace lines, byte for byte;
  banner      = truth/version, or linux_banner's line in truth/dmesg (Ubuntu: with the package
                signature that /proc/version leaves out);
  System.map  = truth/kallsyms minus the slide, per symbol: same name, address (per-CPU 'A'
                entries are not moved by KASLR) and letter, except that a kallsyms 'A' (per-CPU)
                entry may carry a section letter; carved kallsyms_* table symbols (kallsyms
                never lists them) are reported apart;
  with MAP:   every System.map line is one of MAP's, in MAP's order; lines whose address and
              name match but whose letter differs are counted per (ours, MAP's) letter pair;
  with REPORT: kaslr.virtual_slide = truth's slide, kaslr.phys_text = iomem "Kernel code".
Exit 0 when every check holds, 1 when one fails (the first differences are printed), 2 on
unreadable input. Letter differences against MAP fail only with --strict-letters: a kernel
without BTF gives no way to tell a static per-CPU variable ('d') from a global one ('D'), and
the letters of the kallsyms_* tables ('R' before some release, 'D' later) are not carved.
"""
import argparse
import collections
import json
import lzma
import os
import sys


def read_text(path):
    """The file, or PATH.xz decompressed when only that exists."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    if os.path.exists(path + ".xz"):
        with lzma.open(path + ".xz") as f:
            return f.read().decode("latin-1")
    raise FileNotFoundError(path)


def parse_map(text, where):
    """[(addr, letter, name)] of '<hex> <letter> <name>' lines; module lines are kept apart."""
    core, extra = [], 0
    for n, line in enumerate(text.splitlines(), 1):
        p = line.split()
        if len(p) > 3 or (len(p) == 3 and p[2].startswith("[")):
            extra += 1  # "name [module]", "[bpf]", "[ftrace]" lines of /proc/kallsyms
            continue
        if len(p) != 3 or len(p[1]) != 1:
            raise ValueError(f"{where}:{n}: expected '<hex address> <type> <name>'")
        core.append((int(p[0], 16), p[1], p[2]))
    return core, extra


def slide_of(text):
    for line in text.splitlines():
        if line.startswith("kaslr_virtual_slide="):
            return int(line.split("=", 1)[1].split()[0], 16)
    raise ValueError("slide.txt has no kaslr_virtual_slide=")


def kernel_code(text):
    for line in text.splitlines():
        if line.strip().endswith(": Kernel code"):
            return int(line.split("-")[0], 16)
    return None


class Result:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
        self.failed += not ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("truth")
    ap.add_argument("--system-map")
    ap.add_argument("--report")
    ap.add_argument("--strict-letters", action="store_true")
    a = ap.parse_args()
    r = Result()
    try:
        truth_ks_text = read_text(os.path.join(a.truth, "kallsyms"))
        truth_ks, n_extra = parse_map(truth_ks_text, "truth/kallsyms")
        slide = slide_of(read_text(os.path.join(a.truth, "slide.txt")))
        ours_ks_text = read_text(os.path.join(a.dir, "kallsyms"))
        ours_map, _ = parse_map(read_text(os.path.join(a.dir, "System.map")), "System.map")
        version = read_text(os.path.join(a.truth, "version"))
        try:
            dmesg = read_text(os.path.join(a.truth, "dmesg"))
        except FileNotFoundError:
            dmesg = None
        banner = read_text(os.path.join(a.dir, "banner"))
        real_map = parse_map(read_text(a.system_map), a.system_map)[0] if a.system_map else None
        report = json.load(open(a.report)) if a.report else None
        iomem = read_text(os.path.join(a.truth, "iomem")) if a.report else None
    except (OSError, ValueError) as e:
        print(f"check-extract: {e}", file=sys.stderr)
        return 2

    # kallsyms: the kernel's own lines, byte for byte
    want = "".join(l + "\n" for l in truth_ks_text.splitlines()
                   if len(l.split()) == 3 and not l.split()[2].startswith("["))
    if ours_ks_text == want:
        r.check(True, "kallsyms", f"{len(truth_ks)} symbols = truth/kallsyms "
                f"({n_extra} module/bpf/ftrace lines left out)")
    else:
        o, w = ours_ks_text.splitlines(), want.splitlines()
        i = next((i for i, (x, y) in enumerate(zip(o, w)) if x != y), min(len(o), len(w)))
        r.check(False, "kallsyms", f"{len(o)} lines against truth's {len(w)}; first difference "
                f"at line {i + 1}: {o[i] if i < len(o) else 'EOF'!r} / {w[i] if i < len(w) else 'EOF'!r}")

    # Ubuntu's linux_banner (what the profile must carry: Volatility looks for its bytes) has
    # the package signature " (Ubuntu ...)" that /proc/version leaves out; the boot log
    # (truth/dmesg) printed linux_banner itself.
    boot = next((l[l.index("Linux version "):] + "\n" for l in (dmesg or "").splitlines()
                 if "Linux version " in l), None)
    if banner == version:
        r.check(True, "banner", "= truth/version")
    else:
        r.check(banner == boot, "banner", "= linux_banner as truth/dmesg printed it (it carries "
                "a signature that /proc/version leaves out)" if banner == boot else
                f"{banner!r} is neither truth/version {version!r} nor dmesg's {boot!r}")

    # System.map against truth/kallsyms minus the slide
    m64 = (1 << 64) - 1
    expect = collections.Counter()
    percpu = set()
    for addr, t, name in truth_ks:
        if t in "aA":
            percpu.add((addr, name))
            expect[(addr, "A", name)] += 1
        else:
            expect[((addr - slide) & m64, t, name)] += 1
    exact = letter_pc = tables = 0
    bad = []
    for addr, t, name in ours_map:
        if expect[(addr, t, name)] > 0:
            expect[(addr, t, name)] -= 1
            exact += 1
        elif (addr, name) in percpu and expect[(addr, "A", name)] > 0:
            expect[(addr, "A", name)] -= 1
            letter_pc += 1
        elif name.startswith("kallsyms_"):
            tables += 1
        else:
            bad.append(f"{addr:016x} {t} {name}")
    left = [f"{k[0]:016x} {k[1]} {k[2]}" for k, v in expect.items() for _ in range(v)]
    r.check(not bad, "System.map lines = truth/kallsyms minus the slide",
            f"{exact} exact, {letter_pc} per-CPU 'A' written with a section letter, {tables} "
            f"kallsyms_* table symbols" + (f"; {len(bad)} not in truth, e.g. {bad[:3]}" if bad else ""))
    # the kallsyms lines System.map may lack: local labels (.L*, $*), which System.map never has
    left = [l for l in left if not l.split()[2].startswith((".L", "$"))]
    r.check(not left, "every truth/kallsyms symbol is in System.map",
            f"{len(left)} missing, e.g. {left[:3]}" if left else "")

    if real_map is not None:
        in_map = set(real_map)
        by_an = collections.defaultdict(list)
        for addr, t, name in real_map:
            by_an[(addr, name)].append(t)
        # our lines that are MAP's must be a subsequence of MAP (MAP may hold a line twice)
        same, letters, absent, at, order_ok = 0, collections.Counter(), [], 0, True
        for addr, t, name in ours_map:
            if (addr, t, name) in in_map:
                same += 1
                while at < len(real_map) and real_map[at] != (addr, t, name):
                    at += 1
                order_ok &= at < len(real_map)
                at += 1
            elif (addr, name) in by_an:
                letters[(t, "".join(sorted(set(by_an[(addr, name)]))))] += 1
            else:
                absent.append(f"{addr:016x} {t} {name}")
        ours_names = {n for _, _, n in ours_map}
        lacking = [f"{a_:016x} {t} {n}" for a_, t, n in real_map if n not in ours_names]
        r.check(not absent and order_ok, f"System.map against {a.system_map}",
                f"{same} of our {len(ours_map)} lines are MAP's, in its order"
                + ("" if order_ok else " (ORDER DIFFERS)")
                + (f"; {len(absent)} not in MAP, e.g. {absent[:3]}" if absent else "")
                + f"; MAP's {len(lacking)} names kallsyms lacks: {' '.join(l.split()[2] for l in lacking[:8])}")
        if letters:
            detail = ", ".join(f"{n} ours '{o}' MAP '{m}'" for (o, m), n in sorted(letters.items()))
            if a.strict_letters:
                r.check(False, "System.map letters", detail)
            else:
                print(f"note System.map letters differ (same address and name): {detail}")

    if report is not None:
        k = report.get("kaslr") or {}
        got = int(k.get("virtual_slide", "-1"), 16) if k.get("virtual_slide") else None
        r.check(got == slide, "KASLR slide", f"report {k.get('virtual_slide')} truth {slide:#x}")
        code = kernel_code(iomem)
        pt = int(k["phys_text"], 16) if k.get("phys_text") else None
        r.check(code is not None and pt == code, "physical _text",
                f"report {k.get('phys_text')} iomem 'Kernel code' {code and hex(code)}")
    print(f"{'all checks passed' if not r.failed else f'{r.failed} check(s) FAILED'}")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
