#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""isfcarve IMAGE on the arm64 fixture: every kallsyms symbol at its System.map address, and the
KASLR report (slide, _text, kimage_voffset, PHYS_OFFSET, VA_BITS, tables) equal to truth."""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

FX = "fx-arm64-forky-7.2"


def read_text(name):
    with open(icfix.fixture(FX, name), encoding="utf-8", errors="replace") as f:
        return f.read()


def keyval(text, key):
    m = re.search(r"^" + re.escape(key) + r"=(\S+)", text, re.M)
    return int(m.group(1), 0) if m else None


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    img = icfix.fixture(FX, "mem.elf")
    out = os.path.join(tmp, FX + ".json")
    rep = os.path.join(tmp, FX + ".report.json")
    r = icfix.run(img, "-o", out, "--report", rep, "--force", check=False)
    c.check(r.returncode == 0, f"exit {r.returncode}: {r.stderr[-1500:]!r}")
    if r.returncode:
        c.finish()
    with open(out) as f:
        isf = json.load(f)
    with open(rep) as f:
        k = json.load(f).get("kaslr") or {}
    st = read_text("truth/slide.txt")
    want = {
        "virtual_slide": keyval(st, "kaslr_virtual_slide"),
        "runtime_text": keyval(st, "runtime_text"),
        "link_text": keyval(st, "systemmap_text"),
        "phys_text": keyval(st, "kernel_text_phys"),
        "kimage_voffset": keyval(st, "vmcoreinfo_kimage_voffset"),
        "phys_offset": keyval(st, "vmcoreinfo_PHYS_OFFSET"),
    }
    for key, val in want.items():
        got = k.get(key)
        c.check(got is not None and int(got, 0) == val, f"kaslr {key}: {got} != truth {val:#x}")
    c.check(k.get("va_bits") == 64 - keyval(st, "vmcoreinfo_TCR_EL1_T1SZ"),
            f"va_bits {k.get('va_bits')}")
    c.check(k.get("arch") == "arm64" and k.get("page_size") == 4096 and k.get("lpa2") is True,
            f"layout {k.get('arch')} {k.get('page_size')} {k.get('lpa2')}")
    # swapper_pg_dir (VMCOREINFO, runtime) - kimage_voffset = the tables' root
    vi = read_text("truth/vmcoreinfo.txt")
    pgd = int(re.search(r"^SYMBOL\(swapper_pg_dir\)=([0-9a-f]+)", vi, re.M).group(1), 16)
    pt = k.get("page_tables") or {}
    c.check(int(pt.get("root", "-1"), 0) == pgd - want["kimage_voffset"] and pt.get("levels") == 5,
            f"page tables {pt}")
    c.check(k.get("consistent") is True, f"kaslr not consistent: {k}")
    checks = {e["check"] for e in k.get("evidence", [])}
    for need in ("pgtable:_text", "pgtable:linux_banner", "pgtable:__start_BTF",
                 "kallsyms:kimage_voffset", "image-header:magic"):
        c.check(need in checks, f"evidence {need} missing: {sorted(checks)}")

    slide = want["virtual_slide"]
    sysmap = {}
    for line in read_text("System.map").splitlines():
        a, t, n = line.split()[:3]
        sysmap.setdefault(n, set()).add(int(a, 16))
    syms = isf["symbols"]
    checked = missing = wrong = 0
    for line in read_text("truth/kallsyms").splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue  # module symbols carry a "[mod]" column
        a, n = int(parts[0], 16), parts[2]
        if n not in sysmap:
            continue
        checked += 1
        if n not in syms:
            missing += 1
            if missing <= 5:
                print(f"missing {n}", file=sys.stderr)
            continue
        got = syms[n]["address"]
        if got not in sysmap[n] or (len(sysmap[n]) == 1 and a - slide != got):
            wrong += 1
            if wrong <= 5:
                print(f"{n}: ISF {got:#x}, System.map {sorted(map(hex, sysmap[n]))}",
                      file=sys.stderr)
    print(f"{FX}: {checked} truth kallsyms symbols checked, {missing} missing, {wrong} wrong")
    c.check(checked > 100000, f"only {checked} symbols checked")
    c.check(missing == 0 and wrong == 0, f"{missing} missing, {wrong} wrong")
    for n in ("init_task", "init_mm", "linux_banner", "swapper_pg_dir", "kimage_voffset",
              "_text", "_stext"):
        c.check(n in syms and syms[n]["address"] in sysmap.get(n, ()),
                f"{n} {hex(syms[n]['address']) if n in syms else 'absent'}")
    c.check(isf["base_types"]["pointer"]["size"] == 8 and
            isf["base_types"]["pointer"]["endian"] == "little", "pointer base type")
    c.finish()


if __name__ == "__main__":
    main()
