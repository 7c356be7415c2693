#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The symdb generator (symdb/tools/dwarf2symdb.c, ic_dwarf2symdb) on the small kernel-like
program of tests/data/dwarf, compiled here with gcc -g (DWARF 4 and 5): a name is typed from its
global-scope variable, not from the last DIE of the name. kernel_like.c defines the globals
`int movable_zone` and `atomic_t nr_swap_pages`; kernel_like2.c, a later unit, has an automatic
local `struct zone *movable_zone` and a static `long nr_swap_pages` in a function (dwarf2json's
"last one wins" typed the globals with those, and so did the generator before). The output must
also agree with --dwarf (`isfcarve --dwarf`), which ranks scopes the same way, for every symbol
of the program that both type. Exit 77 when ic_dwarf2symdb was not built (no libdw-dev)."""
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("IC_BUILD", ".")
GEN = os.path.join(BUILD, "ic_dwarf2symdb")
BIN = os.environ.get("IC_BIN", os.path.join(BUILD, "isfcarve"))
DATA = os.path.join(SRC, "tests", "data", "dwarf")
UNITS = [os.path.join(DATA, "kernel_like.c"), os.path.join(DATA, "kernel_like2.c")]
sys.path.insert(0, os.path.join(SRC, "symdb", "tools"))
import symdbpy  # noqa: E402

# name -> the type of its global-scope variable
EXPECT = {"movable_zone": "int", "nr_swap_pages": "atomic_t",
          "init_task": "struct task_struct", "init_task_ptr": "struct task_struct *",
          "current_task_ptr": "struct task_struct *", "cpu_map": "long unsigned int[4][8]",
          "tk_core": "struct tk_data", "irq_info_b": "struct irq_info"}
fails = []


def unsuffix(desc):
    """--dwarf names the second body of a colliding struct irq_info `irq_info__btf<id>`."""
    d = dict(desc)
    if "name" in d:
        d["name"] = re.sub(r"__btf\d+$", "", d["name"])
    if "subtype" in d:
        d["subtype"] = unsuffix(d["subtype"])
    return d


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def main():
    if not os.access(GEN, os.X_OK):
        print("skip: %s not built (libdw-dev missing at configure)" % GEN)
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        for dv in (4, 5):
            elf = os.path.join(tmp, "k%d.elf" % dv)
            r = run(["gcc", "-g", "-gdwarf-%d" % dv, "-O0", "-nostdlib", "-static", "-no-pie",
                     "-Wl,-e,0", "-o", elf] + UNITS)
            if r.returncode:
                sys.exit("gcc failed: " + r.stderr)
            r = run([GEN, elf])
            check(r.returncode == 0, "DWARF %d: ic_dwarf2symdb exit 0 (%s)" % (dv, r.stderr.strip()))
            types = dict(line.split("\t", 1) for line in r.stdout.splitlines())
            for name, want in EXPECT.items():
                check(types.get(name) == want, "DWARF %d: %s is %r (got %r)"
                      % (dv, name, want, types.get(name)))
            # the automatic local is never a symbol: only the program's own variables are listed
            check("z" not in types and "s" not in types,
                  "DWARF %d: automatic locals and parameters are not listed" % dv)
            # same choice as --dwarf for every symbol both type
            smap = os.path.join(tmp, "k%d.map" % dv)
            with open(smap, "w") as f:
                f.write(run(["nm", elf]).stdout)
            isf_path = os.path.join(tmp, "k%d.json" % dv)
            # the object's own linux_banner (tests/data/dwarf/kernel_like.c): --banner must be
            # it when the file has one
            r = run([BIN, "--dwarf", elf, "--map", smap, "--banner",
                     "Linux version 6.1.0-ic (gcc) #1 SMP PREEMPT_DYNAMIC", "-o", isf_path])
            if r.returncode:
                check(False, "DWARF %d: isfcarve --dwarf exit 0 (%s)" % (dv, r.stderr.strip()))
                continue
            with open(isf_path) as f:
                isf = json.load(f)
            compared, differ = 0, []
            for name, sym in isf["symbols"].items():
                # linux_banner: --dwarf types it by the --banner given, as from the image
                if name not in types or name == "linux_banner" or sym.get("type", {}).get("kind") in (None, "function"):
                    continue
                if sym["type"] == {"kind": "base", "name": "void"}:
                    continue
                compared += 1
                if not symdbpy.matches_isf(types[name], unsuffix(sym["type"]), isf):
                    differ.append((name, types[name], sym["type"]))
            check(compared >= len(EXPECT) and not differ,
                  "DWARF %d: %d symbols compared with --dwarf, differences: %s"
                  % (dv, compared, differ[:5]))
    if fails:
        print("%d failure(s)" % len(fails))
        sys.exit(1)


if __name__ == "__main__":
    main()
