#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""symdb against the kernels' own DWARF: the image-only profile (`isfcarve IMAGE`: BTF types,
symbol types from BTF VARs and symdb) against the --dwarf profile (`isfcarve IMAGE --dwarf
VMLINUX`, every global typed from its own file-scope variable), on every fixture whose debug
vmlinux is at hand (../dbg or $IC_DBG, as test_dwarf_dbg.py; exit 77 when none is: the -dbg
packages are local only, not in CI).

Compared: every data symbol of the fixture's System.map that both profiles have and --dwarf types.
A difference is accepted only as
  percpu     the symbol is per-CPU (between __per_cpu_start and __per_cpu_end): its type is the
             image BTF's VAR, not symdb's
  void       the image profile types it void (no row for the version, or a row whose type the
             image's BTF cannot resolve uniquely: docs/symdb.md)
  open       the row keeps `T[]` (count 0) where the definition has `T[N]`: seed rows and arrays
             whose count changes between kernels (docs/symdb.md)
  collision  the same type under a twice-defined name, each profile calling another body plain
Any other difference fails, on arm64 too (symdb-arm64.tsv, from arm64 kernels): it is a symdb row
that types the symbol with something else than the global variable (before rows were retyped from
the global scope, 107-125 per kernel, e.g. `movable_zone` `struct zone *` for `int`,
`nr_swap_pages` `long int` for `atomic_long_t`; on arm64 before it had a table of its own, 94-102
amd64 rows where arm64's global differs, and 23,474 symbols void).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import icfix  # noqa: E402
import test_dwarf_dbg as d  # noqa: E402
import test_golden_dwarf as g  # noqa: E402

VOID = {"kind": "base", "name": "void"}
# the two globals the problem was found with: must be equal (not only "not unexplained")
MUST = {"movable_zone", "nr_swap_pages"}


def data_symbols(fx):
    """System.map's data symbols (letters b/B/d/D/r/R/v/V or outside the text ranges, as the
    generator selects them) and the per-CPU ones among them."""
    sys.path.insert(0, os.path.join(icfix.SRC, "symdb", "tools"))
    import symdbpy
    path = icfix.fixture(fx, "System.map")
    smap = symdbpy.read_system_map(path)
    addrs = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                addrs.setdefault(p[2], []).append(int(p[0], 16))
    lo, hi = addrs["__per_cpu_start"][0], addrs["__per_cpu_end"][0]
    percpu = {n for n, a in addrs.items() if any(lo <= x < hi for x in a)}
    return symdbpy.data_symbols(smap), percpu


def classify(n, ti, td, I, D, percpu):
    if ti is not None and g.equiv(ti, td, I, D) is None:
        return None
    if n in percpu:
        return "percpu"
    if not ti or ti == VOID:
        return "void"
    if d.incomplete_array(td, ti, D, I):
        return "open"
    if g.equiv(td, ti, D, I) is None or (d.same_named(td, ti, D, I) or "").startswith("COLLISION:"):
        return "collision"
    return "other"


def main():
    found = [(fx, d.find_vmlinux(d.release(fx))) for fx in d.FIXTURES]
    found = [(fx, v) for fx, v in found if v]
    if not found:
        print("skip: no debug vmlinux of a fixture's kernel under $IC_DBG / ../dbg")
        sys.exit(77)
    c = icfix.Counter()
    for fx, vmlinux in found:
        image = icfix.fixture(fx, d.FIXTURES[fx][0])
        with tempfile.TemporaryDirectory(dir=icfix.BUILD, prefix=f"symdb-dbg-{fx}-") as work:
            dwp, imp = os.path.join(work, "dwarf.json"), os.path.join(work, "image.json")
            icfix.run(image, "--dwarf", vmlinux, "-o", dwp, "-q")
            icfix.run(image, "-o", imp, "-q")
            with open(dwp) as f:
                dw = json.load(f)
            with open(imp) as f:
                im = json.load(f)
        D, I = g.Isf(dw), g.Isf(im)
        data, percpu = data_symbols(fx)
        cats, other, compared = {}, [], 0
        for n, s in dw["symbols"].items():
            td = s.get("type")
            if n not in data or n not in im["symbols"] or not td or td == VOID:
                continue
            compared += 1
            ti = im["symbols"][n].get("type")
            k = classify(n, ti, td, I, D, percpu)
            if k:
                cats[k] = cats.get(k, 0) + 1
            if k == "other" or (k and n in MUST):
                other.append((n, ti, td))
        print(f"{fx}: {compared} data symbols typed by --dwarf, "
              f"{compared - sum(cats.values())} equal; differences: {cats}")
        c.check(not other, f"{fx}: {len(other)} symbols typed otherwise than their global "
                f"variable: {other[:10]}")
        c.check(compared > 20000, f"{fx}: only {compared} symbols compared")
    c.finish()


if __name__ == "__main__":
    main()
