#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Correct symdb.tsv rows that the old generator typed from another scope's variable, without
regenerating (the per-kernel inputs of the last full run are not at hand).

  symdb-rescope.py --old OLDDIR --new NEWDIR [--agree DIR ...] [--tsv symdb/symdb.tsv]
                   [--seed symdb/seed.tsv] [--dry-run]

OLDDIR/NEWDIR hold KVER.types (ic_dwarf2symdb output: OLD from the generator before it preferred
the global-scope variable, NEW from the current one) and KVER.System.map, for the same real
kernels. A row is corrected only if
  * it is not a seed row (seed.tsv is hand-checked; those are reported, not changed),
  * its version range covers at least one kernel of NEWDIR that has the name in System.map,
  * on every such covered kernel OLD's type is the row's type (the row came from the old rule,
    not from a range or sample difference) and NEW's types all agree on one other type T,
  * every kernel of each --agree DIR (e.g. another architecture, its KVER.types made by the
    current generator) that has the name in System.map types it T too, whatever the range;
then the row's type becomes T. If NEW has no type for the name on every covered kernel (and no
--agree kernel has one), the row came from a function's automatic local and the symbol is no C
variable (asm, linker): the row is dropped. Consecutive rows of one name that end up with the same type are
joined. Every changed row is printed (NAME FROM TO OLD -> NEW); rows left alone are counted by
reason."""
import argparse
import collections
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "symdb", "tools"))
import symdbpy  # noqa: E402


def kernels(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "*.types"))):
        ver = os.path.basename(p)[:-len(".types")]
        a, b, c = (int(x) for x in ver.split("."))
        smap = symdbpy.read_system_map(p[:-len(".types")] + ".System.map")
        out.append((symdbpy.kver(a, b, c), ver, symdbpy.read_types(p), smap))
    return out


def main():
    ap = argparse.ArgumentParser()
    src = os.path.join(HERE, "..")
    ap.add_argument("--tsv", default=os.path.join(src, "symdb", "symdb.tsv"))
    ap.add_argument("--seed", default=os.path.join(src, "symdb", "seed.tsv"))
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--agree", action="append", default=[])
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()

    old = {kv: t for kv, _, t, _ in kernels(args.old)}
    new = kernels(args.new)
    agree = [k for d in args.agree for k in kernels(d)]
    seed = symdbpy.read_tsv(args.seed)
    db = symdbpy.read_tsv(args.tsv)
    with open(args.tsv) as f:
        header = "".join(line for line in f if line.startswith("#"))
    left = collections.Counter()
    changed = []
    for name, rows in db.items():
        fixed = []
        for lo, hi, typ in rows:
            cov = [(kv, t) for kv, _, t, smap in new if lo <= kv <= hi and name in smap]
            want = {t.get(name) for _, t in cov}
            if not cov or want == {typ}:
                fixed.append((lo, hi, typ))
                continue
            reason = None
            if name in seed:
                reason = "seed row"
            elif any(old[kv].get(name) != typ for kv, _ in cov):
                reason = "row differs from the old generator's output (range/sample)"
            elif len(want) != 1:
                reason = "covered kernels disagree on the global's type"
            else:
                t = want.pop()
                if any(name in smap and tt.get(name) != t for _, _, tt, smap in agree):
                    reason = "an --agree kernel types the global otherwise"
            if reason:
                left[reason] += 1
                fixed.append((lo, hi, typ))
                continue
            changed.append((name, lo, hi, typ, t or "(row dropped)"))
            if t:
                fixed.append((lo, hi, t))
        joined = []
        for r in fixed:
            if joined and joined[-1][2] == r[2] and joined[-1][1] + 1 >= r[0]:
                joined[-1] = (joined[-1][0], r[1], r[2])
            else:
                joined.append(r)
        db[name] = joined
    db = {n: r for n, r in db.items() if r}
    for name, lo, hi, was, now in changed:
        print("%s\t%s\t%s\t%s -> %s" % (name, symdbpy._vfield(lo, False), symdbpy._vfield(hi, True),
                                        was, now))
    print("symdb-rescope: %d rows changed; left alone: %s"
          % (len(changed), dict(left) or "none"), file=sys.stderr)
    if not args.dry_run:
        symdbpy.write_tsv(args.tsv, db, header)


if __name__ == "__main__":
    main()
