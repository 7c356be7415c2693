#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""symdb-merge's range rules (symdb/tools/symdbpy.merge) on synthetic samples, shaped like the
six real ones (5.10.262 6.1.192 6.12.118 7.2.12 7.2.13 7.3.4):
  * one type everywhere: one open row;
  * a type change: the newer type from the first sample's major.minor that has it, the older one
    down to version 0 and across the gap;
  * an array count that changes (sys_call_table's NR_syscalls): each count on its samples'
    major.minor only, T[] between and beyond them; samples that agree join one row; a change
    inside one major.minor (7.2.12 -> 7.2.13) cuts at the exact version;
  * a count change and a type change in one history: T[] only where the count changed;
  * a seed row wins; void and unkept samples give no row;
and every name's rows cover 0..max without a gap or an overlap, survive write_tsv/read_tsv, and
lookup() answers for versions in the gaps. Pure Python: runs everywhere."""
import os
import sys
import tempfile

SRC = os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "symdb", "tools"))
import symdbpy as s  # noqa: E402

k = s.kver
S = [k(5, 10, 262), k(6, 1, 192), k(6, 12, 118), k(7, 2, 12), k(7, 2, 13), k(7, 3, 4)]
HIST = {
    "same": ["int"] * 6,
    "changed": ["int", "int", "long int", "long int", "long int", "long int"],
    "sct": ["func *[441]", "func *[451]", "func *[463]", "func *[472]", "func *[472]", "func *[473]"],
    "attrs": ["struct x *[9]", "struct x *[9]", "struct x *[9]", "struct x *[10]", "struct x *[10]",
              "struct x *[10]"],
    "inminor": ["char[3]", "char[3]", "char[3]", "char[3]", "char[4]", "char[4]"],
    "mixed": ["struct list_head", "struct f[10]", "struct f[11]", "struct list_head",
              "struct list_head", "struct list_head"],
    "seeded": ["int"] * 6,
    "voided": ["void"] * 6,
    "notkept": ["int"] * 6,
}
WANT = {
    "same": [("-", "-", "int")],
    "changed": [("-", "6.11", "int"), ("6.12", "-", "long int")],
    "sct": [("-", "5.9", "func *[]"), ("5.10", "5.10", "func *[441]"), ("5.11", "6.0", "func *[]"),
            ("6.1", "6.1", "func *[451]"), ("6.2", "6.11", "func *[]"),
            ("6.12", "6.12", "func *[463]"), ("6.13", "7.1", "func *[]"),
            ("7.2", "7.2", "func *[472]"), ("7.3", "7.3", "func *[473]"), ("7.4", "-", "func *[]")],
    "attrs": [("-", "5.9", "struct x *[]"), ("5.10", "6.12", "struct x *[9]"),
              ("6.13", "7.1", "struct x *[]"), ("7.2", "7.3", "struct x *[10]"),
              ("7.4", "-", "struct x *[]")],
    "inminor": [("-", "5.9", "char[]"), ("5.10", "7.2.12", "char[3]"), ("7.2.13", "7.3", "char[4]"),
                ("7.4", "-", "char[]")],
    "mixed": [("-", "6.0", "struct list_head"), ("6.1", "6.1", "struct f[10]"),
              ("6.2", "6.11", "struct f[]"), ("6.12", "7.1", "struct f[11]"),
              ("7.2", "-", "struct list_head")],
    "seeded": [("-", "-", "long int")],
}
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def fmt(rows):
    return [(s._vfield(lo, False), s._vfield(hi, True), t) for lo, hi, t in rows]


def main():
    kernels = [(kv, {n: h[i] for n, h in HIST.items()}) for i, kv in enumerate(S)]
    seed = {"seeded": [(0, 0xFFFFFFFF, "long int")]}
    db = s.merge(kernels, seed, lambda n, kv: n != "notkept")
    check(set(db) == set(WANT), f"names with rows: {sorted(db)}")
    for n, want in WANT.items():
        got = fmt(db.get(n, []))
        check(got == want, f"{n}: {got}" + ("" if got == want else f" != {want}"))
    for n, rows in db.items():
        ok = rows[0][0] == 0 and rows[-1][1] == 0xFFFFFFFF and \
            all(a[1] + 1 == b[0] for a, b in zip(rows, rows[1:]))
        check(ok, f"{n}: rows cover every version once")
    check(s.open_counts("long unsigned int[4][8]", "long unsigned int[4][9]") == "long unsigned int[4][]",
          "open_counts opens only the count that differs")
    check(s.open_counts("int[3]", "long int[3]") is None and s.open_counts("int[3]", "int[3]") is None,
          "open_counts: None for another type or the same type")
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "db.tsv")
        s.write_tsv(p, db, "# test\n")
        back = s.read_tsv(p)
    check(back == db, "write_tsv/read_tsv round trip")
    for kv, want in ((k(6, 5, 3), "func *[]"), (k(6, 1, 0), "func *[451]"), (k(7, 2, 200), "func *[472]"),
                     (k(4, 19, 0), "func *[]"), (k(8, 0, 0), "func *[]")):
        got = s.lookup(back, kv, "sct")
        check(got == want, f"lookup sct {s.fmt_ver(kv)}: {got}")
    print(f"{len(fails)} failed")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
