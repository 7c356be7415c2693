#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""isfcarve IMAGE on every real fixture image: link-time symbols equal System.map, KASLR = truth."""
import gzip
import json
import lzma
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

# (fixture, image file, truth fixture, output extension). Each image is profiled to a different
# output compression, so the three writers are covered on real data too.
CASES = [
    ("fx-deb12-6.1", "mem.lime", "fx-deb12-6.1", ".json.gz"),
    ("fx-forky-7.2", "mem.elf", "fx-forky-7.2", ".json.xz"),
]
# The kdump image of the fx-deb12-6.1 boot is read by the kdump format (branch `formats`): once
# src/1-image/fmt_kdump.c is in the tree it is checked like the others, with fx-deb12-6.1's truth.
if os.path.exists(os.path.join(icfix.SRC, "src/1-image/fmt_kdump.c")):
    CASES.append(("fx-deb12-6.1-kdump", "vmcore.kdump", "fx-deb12-6.1", ".json"))


def load_json(path):
    op = gzip.open if path.endswith(".gz") else lzma.open if path.endswith(".xz") else open
    with op(path, "rt") as f:
        return json.load(f)


def read_text(fx, name):
    with open(icfix.fixture(fx, name), encoding="utf-8", errors="replace") as f:
        return f.read()


def keyval(text, key):
    m = re.search(r"^" + re.escape(key) + r"=(\S+)", text, re.M)
    return int(m.group(1), 0) if m else None


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    for fx, image, tfx, ext in CASES:
        img = icfix.fixture(fx, image)
        out = os.path.join(tmp, fx + ext)
        rep = os.path.join(tmp, fx + ".report.json")
        r = icfix.run(img, "-o", out, "--report", rep, "--force", check=False)
        c.check(r.returncode == 0, f"{fx}: exit {r.returncode}: {r.stderr[-1500:]!r}")
        if r.returncode:
            continue
        isf = load_json(out)
        report = load_json(rep)
        slide_txt = read_text(tfx, "truth/slide.txt")
        iomem = read_text(tfx, "truth/iomem")
        code = int(re.search(r"^\s*([0-9a-f]+)-[0-9a-f]+ : Kernel code", iomem, re.M).group(1), 16)
        slide = keyval(slide_txt, "kaslr_virtual_slide")
        k = report.get("kaslr") or {}
        c.check(int(k.get("virtual_slide", "-1"), 0) == slide,
                f"{fx}: report slide {k.get('virtual_slide')} != truth {slide:#x}")
        c.check(int(k.get("phys_text", "-1"), 0) == code,
                f"{fx}: report phys_text {k.get('phys_text')} != iomem Kernel code {code:#x}")
        c.check(int(k.get("runtime_text", "-1"), 0) == keyval(slide_txt, "runtime_text"),
                f"{fx}: runtime_text {k.get('runtime_text')}")
        c.check(int(k.get("link_text", "-1"), 0) == keyval(slide_txt, "systemmap_text"),
                f"{fx}: link_text {k.get('link_text')}")
        c.check(k.get("consistent") is True, f"{fx}: kaslr not consistent: {k}")

        sysmap = {}
        for line in read_text(tfx, "System.map").splitlines():
            a, t, n = line.split()[:3]
            sysmap.setdefault(n, set()).add(int(a, 16))
        syms = isf["symbols"]
        checked = missing = wrong = 0
        for line in read_text(tfx, "truth/kallsyms").splitlines():
            parts = line.split()
            if len(parts) != 3:
                continue  # module symbols carry a "[mod]" column
            a, t, n = int(parts[0], 16), parts[1], parts[2]
            if n not in sysmap:
                continue  # not a vmlinux symbol (e.g. generated at runtime)
            checked += 1
            link = a if (t in "Aa" and a < 0xffffffff80000000) else a - slide
            if n not in syms:
                missing += 1
                if missing <= 5:
                    print(f"{fx}: missing {n}", file=sys.stderr)
                continue
            got = syms[n]["address"]
            # Duplicated names (static symbols): the ISF keeps one; it must be one of System.map's.
            if got not in sysmap[n] or (len(sysmap[n]) == 1 and link != got):
                wrong += 1
                if wrong <= 5:
                    print(f"{fx}: {n}: ISF {got:#x}, System.map {sorted(map(hex, sysmap[n]))}, "
                          f"truth-derived {link:#x}", file=sys.stderr)
        print(f"{fx}: {checked} truth kallsyms symbols checked, {missing} missing, {wrong} wrong")
        c.check(checked > 50000, f"{fx}: only {checked} symbols checked")
        c.check(missing == 0, f"{fx}: {missing} truth symbols missing from the ISF")
        c.check(wrong == 0, f"{fx}: {wrong} symbols with an address != System.map")
        for n in ("init_task", "init_files", "init_mm", "linux_banner", "init_top_pgt", "idt_table",
                  "kallsyms_names", "kallsyms_token_table"):
            c.check(n in syms and syms[n]["address"] in sysmap.get(n, ()),
                    f"{fx}: {n} {hex(syms[n]['address']) if n in syms else 'absent'}")
    c.finish()


if __name__ == "__main__":
    main()
