#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""arm64 with its VMCOREINFO blanked (tests/lib/blank_vmcoreinfo.py on a copy of the arm64
fixture; the QEMU dump has no VMCOREINFO note of its own): isfcarve IMAGE still solves KASLR
(slide, phys/runtime _text, kimage_voffset, the TTBR1 tables) exactly, every ISF symbol that
System.map has sits at its System.map address, and with --withhold-data-syms the data symbols
recovered by structure equal System.map too. (The structure-only anchor, used when kallsyms has
no data symbol either, is tested by tests/unit/test_kaslr_arm64_struct.c.)"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

FX = "fx-arm64-forky-7.2"
# without VMCOREINFO there is no prb/printk_rb_static/clear_seq/mem_section source
RECOVERED = ("init_task", "init_mm", "init_files", "linux_banner", "swapper_pg_dir",
             "init_nsproxy", "init_net", "net_namespace_list", "modules", "init_uts_ns",
             "init_pid_ns", "init_user_ns", "init_struct_pid", "socket_file_ops",
             "sockfs_dentry_operations")


def keyval(text, key):
    m = re.search(r"^" + re.escape(key) + r"=(\S+)", text, re.M)
    return int(m.group(1), 0)


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    img = os.path.join(tmp, "novmcoreinfo.elf")
    r = subprocess.run([sys.executable, os.path.join(icfix.SRC, "tests/lib/blank_vmcoreinfo.py"),
                        icfix.fixture(FX, "mem.elf"), img], capture_output=True, text=True)
    c.check(r.returncode == 0 and int(r.stdout or 0) >= 1, f"blanking: {r.stdout} {r.stderr}")
    with open(icfix.fixture(FX, "truth/slide.txt")) as f:
        st = f.read()
    sysmap = {}
    with open(icfix.fixture(FX, "System.map")) as f:
        for line in f:
            a, t, n = line.split()[:3]
            sysmap.setdefault(n, set()).add(int(a, 16))
    try:
        for withhold in (False, True):
            tag = "withheld" if withhold else "full"
            out, rep = os.path.join(tmp, tag + ".json"), os.path.join(tmp, tag + ".report.json")
            args = [img, "-o", out, "--report", rep, "--force"]
            r = icfix.run(*(args + ["--withhold-data-syms"] if withhold else args), check=False)
            c.check(r.returncode == 0, f"{tag}: exit {r.returncode}: {r.stderr[-1500:]!r}")
            if r.returncode:
                continue
            with open(rep) as f:
                report = json.load(f)
            with open(out) as f:
                syms = json.load(f)["symbols"]
            c.check(report.get("vmcoreinfo") is None, f"{tag}: VMCOREINFO still found")
            k = report.get("kaslr") or {}
            for key, tkey in (("virtual_slide", "kaslr_virtual_slide"),
                              ("runtime_text", "runtime_text"), ("phys_text", "kernel_text_phys"),
                              ("kimage_voffset", "vmcoreinfo_kimage_voffset")):
                c.check(key in k and int(k[key], 0) == keyval(st, tkey),
                        f"{tag}: kaslr {key} {k.get(key)} != truth {keyval(st, tkey):#x}")
            c.check(k.get("va_bits") == 52 and k.get("lpa2") is True and k.get("consistent"),
                    f"{tag}: layout/consistency {k.get('va_bits')} {k.get('lpa2')}")
            wrong = [n for n, s in syms.items() if n in sysmap and s["address"] not in sysmap[n]]
            c.check(not wrong, f"{tag}: {len(wrong)} symbols off System.map: {wrong[:5]}")
            c.check(len(syms) > (50000 if withhold else 100000), f"{tag}: only {len(syms)} symbols")
            if withhold:
                rec = {e["name"]: int(e["address"], 0) for e in report["recovered_symbols"]}
                for n in RECOVERED:
                    c.check(n in rec and rec[n] in sysmap.get(n, ()), f"{tag}: {n} not "
                            f"recovered at System.map: {rec.get(n)}")
                print(f"{FX} without VMCOREINFO, withheld: {len(rec)} recovered")
            print(f"{FX} without VMCOREINFO, {tag}: {len(syms)} symbols, slide {k.get('virtual_slide')}")
    finally:
        if os.path.exists(img):
            os.unlink(img)
    c.finish()


if __name__ == "__main__":
    main()
