#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""isfcarve IMAGE on the arm64 fixture: every kallsyms symbol at its System.map address, and the
KASLR report (slide, _text, kimage_voffset, PHYS_OFFSET, VA_BITS, tables) equal to truth.

With an argument, the same checks on an image directory made by make-image-arm64.sh
(DIR/mem.elf, DIR/System.map, DIR/truth/): `test_arm64_fixture.py /work/images/bookworm-arm64`.
Kernels without KALLSYMS_ALL (Debian's arm64 6.1) have no kallsyms _text, and map the image from
_stext; their data symbols (init_task, ...) must then be recovered at System.map addresses."""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

FX = "fx-arm64-forky-7.2"
DIR = sys.argv[1] if len(sys.argv) > 1 else None


def path(name):
    return os.path.join(DIR, name) if DIR else icfix.fixture(FX, name)


def read_text(name):
    with open(path(name), encoding="utf-8", errors="replace") as f:
        return f.read()


def keyval(text, key):
    m = re.search(r"^" + re.escape(key) + r"=(\S+)", text, re.M)
    return int(m.group(1), 0) if m else None


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    img = path("mem.elf")
    name = os.path.basename(os.path.normpath(DIR)) if DIR else FX
    out = os.path.join(tmp, name + ".json")
    rep = os.path.join(tmp, name + ".report.json")
    r = icfix.run(img, "-o", out, "--report", rep, "--force", check=False)
    c.check(r.returncode == 0, f"exit {r.returncode}: {r.stderr[-1500:]!r}")
    if r.returncode:
        c.finish()
    with open(out) as f:
        isf = json.load(f)
    with open(rep) as f:
        report = json.load(f)
    k = report.get("kaslr") or {}
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
    vi = read_text("truth/vmcoreinfo.txt")
    va_bits = 64 - keyval(st, "vmcoreinfo_TCR_EL1_T1SZ")
    page = int(re.search(r"^PAGESIZE=(\d+)", vi, re.M).group(1))
    g = page.bit_length() - 1
    levels = -(-(va_bits - g) // (g - 3))
    # the fixture: 4K pages, 52-bit VA with LPA2 (5 levels); bookworm: 4K, 48-bit, 4 levels
    c.check(k.get("arch") == "arm64" and k.get("page_size") == page and
            k.get("lpa2") is (page != 65536 and va_bits == 52),
            f"layout {k.get('arch')} {k.get('page_size')} {k.get('lpa2')}")
    # swapper_pg_dir (VMCOREINFO, runtime) - kimage_voffset = the tables' root
    pgd = int(re.search(r"^SYMBOL\(swapper_pg_dir\)=([0-9a-f]+)", vi, re.M).group(1), 16)
    pt = k.get("page_tables") or {}
    c.check(int(pt.get("root", "-1"), 0) == pgd - want["kimage_voffset"] and
            pt.get("levels") == levels, f"page tables {pt}, want {levels} levels")
    c.check(k.get("consistent") is True, f"kaslr not consistent: {k}")
    checks = {e["check"] for e in k.get("evidence", [])}
    need = ["pgtable:_text", "pgtable:linux_banner", "pgtable:__start_BTF",
            "kallsyms:kimage_voffset", "image-header:magic"]
    if not DIR:
        for n in need:
            c.check(n in checks, f"evidence {n} missing: {sorted(checks)}")
    print(f"{name}: kaslr evidence {sorted(checks)}")

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
    print(f"{name}: {checked} truth kallsyms symbols checked, {missing} missing, {wrong} wrong")
    c.check(checked > (40000 if DIR else 100000), f"only {checked} symbols checked")
    c.check(missing == 0 and wrong == 0, f"{missing} missing, {wrong} wrong")
    recovered = {r["name"]: r for r in report.get("recovered_symbols") or []}
    entry = ["init_task", "init_mm", "init_files", "linux_banner", "swapper_pg_dir", "_stext"]
    if not DIR:
        entry += ["kimage_voffset", "_text"]
    for n in entry:
        c.check(n in syms and syms[n]["address"] in sysmap.get(n, ()),
                f"{n} {hex(syms[n]['address']) if n in syms else 'absent'}")
    bad = [n for n, r in recovered.items() if int(r["address"], 0) not in sysmap.get(n, ())]
    print(f"{name}: {len(syms)} ISF symbols, {len(recovered)} recovered "
          f"({', '.join(sorted(recovered))}), {len(bad)} not at System.map {bad}")
    c.check(not bad, f"recovered symbols not at System.map: {bad}")
    c.check(isf["base_types"]["pointer"]["size"] == 8 and
            isf["base_types"]["pointer"]["endian"] == "little", "pointer base type")
    c.finish()


if __name__ == "__main__":
    main()
