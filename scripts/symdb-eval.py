#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measure symdb against DWARF ground truth.

  symdb-eval.py [--tsv symdb/symdb.tsv] [--loo [--loo-series]] [--seed FILE] [--select data|plugin]
                [--show N] CACHE/types/*.types

For every kernel K (KVER.types from ic_dwarf2symdb + KVER.System.map) compare the type the db
gives for K's version with DWARF's, over
  (a) the plugin symbols (symdb/plugin-symbols.txt) that K has with a DWARF type, and
  (b) every data symbol of K (symdbpy.data_symbols: data letter or outside the text ranges) with a
      DWARF type.
Without --loo the committed table (--tsv) is measured. With --loo the db is rebuilt for each K
from symdb/seed.tsv and every kernel except K (leave-one-out), the honest figure for a kernel the
db has never seen; --loo-series also leaves out the other kernels of K's major.minor (7.2.12 and
7.2.13 are near-identical). A row `T[]` counts as a match for DWARF's `T[N]` (a count left open:
extern declarations, counts that change between kernels), shown in the last column. Prints a Markdown table and the first --show mismatches per kernel; exit 1
if (a) is below 100 % anywhere."""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "symdb", "tools"))
sys.path.insert(0, HERE)
import symdbpy  # noqa: E402

merge_mod = __import__("importlib").import_module("symdb-merge")



def load(path):
    base = os.path.basename(path)[:-len(".types")]
    a, b, c = (int(x) for x in base.split("."))
    smap = symdbpy.read_system_map(path[:-len(".types")] + ".System.map")
    return symdbpy.kver(a, b, c), base, symdbpy.read_types(path), smap


def score(db, kv, types, names):
    ok, bad, nopen = 0, [], 0
    for n in sorted(names):
        got = symdbpy.lookup(db, kv, n)
        if got == types[n]:
            ok += 1
        elif got and got == re.sub(r"\[\d+\]", "[]", types[n], 1):
            # a row may leave an array's count open (`func *[]` for sys_call_table: the count
            # changes with every kernel); the generator reads the definition's count
            ok += 1
            nopen += 1
        else:
            bad.append((n, got, types[n]))
    return ok, bad, nopen


def main():
    ap = argparse.ArgumentParser()
    src = os.path.join(HERE, "..")
    ap.add_argument("--tsv", default=os.path.join(src, "symdb", "symdb.tsv"))
    ap.add_argument("--seed", default=os.path.join(src, "symdb", "seed.tsv"))
    ap.add_argument("--plugins", default=os.path.join(src, "symdb", "plugin-symbols.txt"))
    ap.add_argument("--select", choices=("plugin", "data"), default="data")
    ap.add_argument("--loo", action="store_true")
    ap.add_argument("--loo-series", action="store_true",
                    help="with --loo: also leave out every kernel of the same major.minor")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("types", nargs="+")
    args = ap.parse_args()

    kernels = sorted(load(p) for p in args.types)
    pnames, patterns = symdbpy.read_plugin_symbols(args.plugins)
    seed = symdbpy.read_tsv(args.seed)
    fixed = None if args.loo else symdbpy.read_tsv(args.tsv)
    worst_a = 1.0
    print("| kernel | db | (a) plugin symbols | (b) data symbols | open count (a)/(b) |")
    print("|---|---|---|---|---|")
    details = []
    for kv, ver, types, smap in kernels:
        if args.loo:
            others = [k for k in kernels if k[0] != kv]
            if args.loo_series:
                others = [k for k in others if (k[0] >> 8) != (kv >> 8)]
            sel = merge_mod.selector(args.select, set(pnames), patterns, {k[0]: k[3] for k in others})
            db = symdbpy.merge([(k[0], k[2]) for k in others], seed, sel)
            label = "without %s" % (ver.rsplit(".", 1)[0] + ".x" if args.loo_series else ver)
        else:
            db = fixed
            label = os.path.basename(args.tsv)
        typed = {n for n in smap if n in types and types[n] != "void"}
        a_names = symdbpy.plugin_names(pnames, patterns, typed)
        b_names = typed & symdbpy.data_symbols(smap)
        a_ok, a_bad, a_open = score(db, kv, types, a_names)
        b_ok, b_bad, b_open = score(db, kv, types, b_names)
        fa = a_ok / len(a_names) if a_names else 1.0
        fb = b_ok / len(b_names) if b_names else 1.0
        worst_a = min(worst_a, fa)
        print("| %s | %s | %d/%d = %.2f %% | %d/%d = %.2f %% | %d/%d |"
              % (ver, label, a_ok, len(a_names), 100 * fa, b_ok, len(b_names), 100 * fb,
                 a_open, b_open))
        details.append((ver, a_bad, b_bad))
    for ver, a_bad, b_bad in details:
        if a_bad:
            print("\n%s (a) mismatches (symbol: db | DWARF):" % ver)
            for n, got, want in a_bad[:args.show]:
                print("  %s: %s | %s" % (n, got, want))
        if b_bad and args.show:
            missing = sum(1 for _, g, _ in b_bad if g is None)
            print("\n%s (b): %d mismatches (%d with no row), first %d:"
                  % (ver, len(b_bad), missing, min(args.show, len(b_bad))))
            for n, got, want in b_bad[:args.show]:
                print("  %s: %s | %s" % (n, got, want))
    sys.exit(0 if worst_a == 1.0 else 1)


if __name__ == "__main__":
    main()
