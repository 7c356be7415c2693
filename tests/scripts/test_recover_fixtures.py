#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No CONFIG_KALLSYMS_ALL, emulated with --withhold-data-syms on every real fixture image: the
data symbols recovered by structure (REQUIRED: what Volatility's common plugins start from)
equal System.map exactly and are listed in the report."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

CASES = [
    ("fx-deb12-6.1", "mem.lime", "fx-deb12-6.1", "init_top_pgt"),
    ("fx-forky-7.2", "mem.elf", "fx-forky-7.2", "init_top_pgt"),
    ("fx-arm64-forky-7.2", "mem.elf", "fx-arm64-forky-7.2", "swapper_pg_dir"),
]
ARM64 = {"fx-arm64-forky-7.2"}
if os.path.exists(os.path.join(icfix.SRC, "src/1-image/fmt_kdump.c")):
    CASES.append(("fx-deb12-6.1-kdump", "vmcore.kdump", "fx-deb12-6.1", "init_top_pgt"))

# What Volatility's common plugins start from (pslist, lsmod, sockstat, pidhashtable, kmsg,
# the page-based ones), plus the objects the nsproxy chain verifies on the way.
REQUIRED = ("init_task", "init_mm", "init_files", "linux_banner", "init_nsproxy", "init_net",
            "net_namespace_list", "modules", "init_uts_ns", "init_pid_ns", "init_user_ns",
            "init_ipc_ns", "init_cgroup_ns", "init_time_ns", "init_struct_pid", "init_cred",
            "socket_file_ops", "sockfs_dentry_operations", "mem_section", "prb",
            # check_modules, tty_check, iomem, check_syscall
            "module_kset", "tty_drivers", "iomem_resource", "ioport_resource", "sys_call_table")
# x86-64 only: check_idt, and the CONFIG_RANDOMIZE_MEMORY bases (page-based plugins), NUMA
# node_data (VMCOREINFO)
REQUIRED_X86 = ("idt_table", "vmemmap_base", "vmalloc_base", "page_offset_base", "node_data")

# Local only: more images as "name=image:System.map,..." (e.g. fresh bullseye 5.10 and
# trixie 6.12 images with their System.map); never needed in CI.
EXTRA = [e.split("=", 1) for e in os.environ.get("IC_RECOVER_EXTRA", "").split(",") if e]


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    runs = [(fx, icfix.fixture(fx, image), icfix.fixture(tfx, "System.map"), pgd)
            for fx, image, tfx, pgd in CASES]
    runs += [(name, paths.split(":")[0], paths.split(":")[1],
              "swapper_pg_dir" if "arm64" in name else "init_top_pgt")
             for name, paths in EXTRA]
    for fx, image, smap, pgd in runs:
        out = os.path.join(tmp, fx + ".json")
        rep = os.path.join(tmp, fx + ".report.json")
        r = icfix.run(image, "-o", out, "--report", rep, "--force",
                      "--withhold-data-syms", check=False)
        c.check(r.returncode == 0, f"{fx}: exit {r.returncode}: {r.stderr[-1500:]!r}")
        if r.returncode:
            continue
        with open(out) as f:
            syms = json.load(f)["symbols"]
        with open(rep) as f:
            recovered = {e["name"]: e for e in json.load(f)["recovered_symbols"]}
        sysmap = {}
        with open(smap) as f:
            for line in f:
                a, t, n = line.split()[:3]
                sysmap.setdefault(n, set()).add(int(a, 16))
        need = REQUIRED + (pgd,) + (() if fx in ARM64 or "arm64" in fx else REQUIRED_X86)
        for n in need:
            c.check(n in recovered, f"{fx}: {n} not recovered: {sorted(recovered)}")
        for n, e in recovered.items():
            addr = int(e["address"], 0)
            c.check(addr in sysmap.get(n, ()), f"{fx}: recovered {n} {addr:#x} != System.map "
                    f"{sorted(map(hex, sysmap.get(n, ())))} ({e['how']})")
            c.check(n in syms and syms[n]["address"] == addr, f"{fx}: {n} not in the ISF as recovered")
            c.check(bool(e["how"]), f"{fx}: {n}: no 'how' in the report")
        # the withheld run must not have kept a data symbol from kallsyms
        c.check("init_task" in recovered and "kallsyms_names" not in syms,
                f"{fx}: data symbols were not withheld")
        print(f"{fx}: {len(recovered)} recovered: {sorted(recovered)}")
    c.finish()


if __name__ == "__main__":
    main()
