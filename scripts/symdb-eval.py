#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measure symdb against DWARF ground truth.

  symdb-eval.py [--tsv symdb/symdb.tsv] [--loo] [--select data|plugin] [--show N] CACHE/types/*.types

For every kernel K (KVER.types from ic_dwarf2symdb + KVER.System.map) compare the type the db
gives for K's version with DWARF's, over
  (a) the plugin symbols (symdb/plugin-symbols.txt) that K has with a DWARF type, and
  (b) every data symbol of K (System.map letter b/B/d/D/r/R/v/V) with a DWARF type.
Without --loo the committed table (--tsv) is measured. With --loo the db is rebuilt for each K
from symdb/seed.tsv and every kernel except K (leave-one-out), the honest figure for a kernel the
db has never seen. Prints a Markdown table and the first --show mismatches per kernel; exit 1
if (a) is below 100 % anywhere."""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "symdb", "tools"))
sys.path.insert(0, HERE)
import symdbpy  # noqa: E402



def load(path):
    base = os.path.basename(path)[:-len(".types")]
    a, b, c = (int(x) for x in base.split("."))
    smap = symdbpy.read_system_map(path[:-len(".types")] + ".System.map")
    return symdbpy.kver(a, b, c), base, symdbpy.read_types(path), smap


def score(db, kv, types, names):
    ok, bad = 0, []
    for n in sorted(names):
        got = symdbpy.lookup(db, kv, n)
        if got == types[n]:
            ok += 1
        else:
            bad.append((n, got, types[n]))
    return ok, bad


def main():
    ap = argparse.ArgumentParser()
    src = os.path.join(HERE, "..")
    ap.add_argument("--tsv", default=os.path.join(src, "symdb", "symdb.tsv"))
    ap.add_argument("--seed", default=os.path.join(src, "symdb", "seed.tsv"))
    ap.add_argument("--plugins", default=os.path.join(src, "symdb", "plugin-symbols.txt"))
    ap.add_argument("--select", choices=("plugin", "data"), default="data")
    ap.add_argument("--loo", action="store_true")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("types", nargs="+")
    args = ap.parse_args()

    kernels = sorted(load(p) for p in args.types)
    pnames, patterns = symdbpy.read_plugin_symbols(args.plugins)
    seed = symdbpy.read_tsv(args.seed)
    fixed = None if args.loo else symdbpy.read_tsv(args.tsv)
    worst_a = 1.0
    print("| kernel | db | (a) plugin symbols | (b) data symbols |")
    print("|---|---|---|---|")
    details = []
    for kv, ver, types, smap in kernels:
        if args.loo:
            others = [k for k in kernels if k[0] != kv]
            maps = {k[0]: k[3] for k in others}
            plug = set(pnames)

            def keep(name, k, maps=maps, plug=plug):
                letters = maps[k].get(name)
                if letters is None:
                    return False
                if name in plug or any(p in name for p in patterns):
                    return True
                return args.select == "data" and bool(letters & symdbpy.DATA_LETTERS)
            db = symdbpy.merge([(k[0], k[2]) for k in others], seed, keep)
            label = "without %s" % ver
        else:
            db = fixed
            label = os.path.basename(args.tsv)
        typed = {n for n in smap if n in types and types[n] != "void"}
        a_names = symdbpy.plugin_names(pnames, patterns, typed)
        b_names = {n for n in typed if smap[n] & symdbpy.DATA_LETTERS}
        a_ok, a_bad = score(db, kv, types, a_names)
        b_ok, b_bad = score(db, kv, types, b_names)
        fa = a_ok / len(a_names) if a_names else 1.0
        fb = b_ok / len(b_names) if b_names else 1.0
        worst_a = min(worst_a, fa)
        print("| %s | %s | %d/%d = %.2f %% | %d/%d = %.2f %% |"
              % (ver, label, a_ok, len(a_names), 100 * fa, b_ok, len(b_names), 100 * fb))
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
