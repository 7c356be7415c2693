#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No CONFIG_KALLSYMS_ALL, emulated with --withhold-data-syms on every real fixture image: the
data symbols recovered by structure equal System.map exactly and are listed in the report."""
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
if os.path.exists(os.path.join(icfix.SRC, "src/image/fmt_kdump.c")):
    CASES.append(("fx-deb12-6.1-kdump", "vmcore.kdump", "fx-deb12-6.1", "init_top_pgt"))


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    for fx, image, tfx, pgd in CASES:
        out = os.path.join(tmp, fx + ".json")
        rep = os.path.join(tmp, fx + ".report.json")
        r = icfix.run(icfix.fixture(fx, image), "-o", out, "--report", rep, "--force",
                      "--withhold-data-syms", check=False)
        c.check(r.returncode == 0, f"{fx}: exit {r.returncode}: {r.stderr[-1500:]!r}")
        if r.returncode:
            continue
        with open(out) as f:
            syms = json.load(f)["symbols"]
        with open(rep) as f:
            recovered = {e["name"]: e for e in json.load(f)["recovered_symbols"]}
        sysmap = {}
        with open(icfix.fixture(tfx, "System.map")) as f:
            for line in f:
                a, t, n = line.split()[:3]
                sysmap.setdefault(n, set()).add(int(a, 16))
        for n in ("init_task", "init_mm", "init_files", "linux_banner", pgd):
            c.check(n in recovered, f"{fx}: {n} not recovered: {sorted(recovered)}")
        for n, e in recovered.items():
            addr = int(e["address"], 0)
            c.check(addr in sysmap.get(n, ()), f"{fx}: recovered {n} {addr:#x} != System.map "
                    f"{sorted(map(hex, sysmap.get(n, ())))} ({e['how']})")
            c.check(n in syms and syms[n]["address"] == addr, f"{fx}: {n} not in the ISF as recovered")
        # the withheld run must not have kept a data symbol from kallsyms
        c.check("init_task" in recovered and "kallsyms_names" not in syms,
                f"{fx}: data symbols were not withheld")
        print(f"{fx}: {len(recovered)} recovered: {sorted(recovered)}")
    c.finish()


if __name__ == "__main__":
    main()
