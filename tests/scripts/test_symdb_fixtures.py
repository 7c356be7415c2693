#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""symdb vs. DWARF ground truth: the dwarf2json ISFs shipped with the x86-64 fixtures.

(a) every Volatility plugin symbol (symdb/plugin-symbols.txt) that the fixture's dwarf2json ISF
    types (not void) must get a row from symdb.tsv for the fixture's kernel version, and the row's
    type expression must describe the same type as dwarf2json's descriptor (pointers, array
    counts, typedef-named structs, anonymous structs by member names), or the definition's count
    where dwarf2json has the `extern T x[];` declaration's T[] (sys_call_table);
(b) over every data symbol of the fixture's System.map that dwarf2json types, the share of
    matching rows is printed and must stay at or above MIN_B (both fixture kernels are among the
    kernels symdb.tsv is generated from, so anything lower means the table or the pipeline broke).
    dwarf2json is not the truth everywhere: its "last DIE wins" types ~0.5 % of the globals with
    another scope's variable and arrays defined after an `extern T x[];` with count 0; symdb rows
    take the global's own variable (docs/symdb.md "Scope fix"). A row `T[N]` where dwarf2json has
    `T[]` counts as a match (printed as "definition count"); the other-scope departures cannot be
    told from the ISF alone and count against (b) (the local test_symdb_dbg.py checks them
    against --dwarf on the real DWARF).
The arm64 fixture is checked the same way against symdb-arm64.tsv, the table generated from
Debian arm64 kernels (its 7.2.12 among them), which the writer uses for an arm64 BTF."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import icfix  # noqa: E402

sys.path.insert(0, os.path.join(icfix.SRC, "symdb", "tools"))
import symdbpy  # noqa: E402

MIN_B = 0.99
# fixture -> the table the writer uses for its BTF
FIXTURES = [("fx-deb12-6.1", "symdb.tsv"), ("fx-forky-7.2", "symdb.tsv"),
            ("fx-arm64-forky-7.2", "symdb-arm64.tsv")]


def kver_of(banner):
    # "Linux version 6.1.0-56-amd64 ... Debian 6.1.192-2 (...)" -> 6.1.192 (Debian fixtures only)
    m = re.search(r"#\d+ .*Debian (\d+)\.(\d+)\.(\d+)", banner)
    rel = re.match(r"Linux version (\d+)\.(\d+)", banner)
    if not m or not rel or m.group(1, 2) != rel.group(1, 2):
        raise RuntimeError("unexpected banner: %r" % banner)
    return symdbpy.kver(*(int(x) for x in m.groups()))


def match(got, desc, isf):
    """'exact' when the row describes dwarf2json's type, 'definition' when it is that type with
    the definition's count where dwarf2json has the declaration's open count, else None."""
    if got is None:
        return None
    if symdbpy.matches_isf(got, desc, isf):
        return "exact"
    if (desc.get("kind") == "array" and desc.get("count") == 0
            and symdbpy.matches_isf(re.sub(r"\[\d+\]", "[]", got, 1), desc, isf)):
        return "definition"
    return None


def main():
    t = icfix.Counter()
    dbs = {}
    pnames, patterns = symdbpy.read_plugin_symbols(os.path.join(icfix.SRC, "symdb", "plugin-symbols.txt"))
    for fx, table in FIXTURES:
        if table not in dbs:
            dbs[table] = symdbpy.read_tsv(os.path.join(icfix.SRC, "symdb", table))
        db = dbs[table]
        isf_path = icfix.fixture(fx, "dwarf2json.isf.json")
        with open(isf_path) as f:
            isf = json.load(f)
        with open(icfix.fixture(fx, "truth/version")) as f:
            kv = kver_of(f.read())
        smap = symdbpy.read_system_map(icfix.fixture(fx, "System.map"))
        syms = isf["symbols"]
        typed = {n for n, s in syms.items() if s.get("type", {}).get("kind") not in (None, "function")
                 and s["type"] != {"kind": "base", "name": "void"}}
        a_names = symdbpy.plugin_names(pnames, patterns, typed & set(smap))
        a_bad = []
        for n in sorted(a_names):
            got = symdbpy.lookup(db, kv, n)
            if not match(got, syms[n]["type"], isf):
                a_bad.append("%s: symdb %r, dwarf2json %s" % (n, got, symdbpy.expr_from_isf(syms[n]["type"], isf)))
        b_names = typed & symdbpy.data_symbols(smap)
        b_ok = b_def = 0
        for n in b_names:
            m = match(symdbpy.lookup(db, kv, n), syms[n]["type"], isf)
            b_ok += m is not None
            b_def += m == "definition"
        fb = b_ok / len(b_names) if b_names else 0.0
        print("%s (%s, %s): (a) %d/%d plugin symbols match, (b) %d/%d = %.2f %% data symbols match"
              " (%d with the definition's count)"
              % (fx, symdbpy.fmt_ver(kv), table, len(a_names) - len(a_bad), len(a_names), b_ok, len(b_names),
                 100 * fb, b_def))
        for msg in a_bad:
            print("  (a) mismatch: " + msg)
        t.check(len(a_names) >= 55, "%s: only %d plugin symbols typed by dwarf2json" % (fx, len(a_names)))
        t.check(not a_bad, "%s: %d plugin symbols mismatch" % (fx, len(a_bad)))
        t.check(fb >= MIN_B, "%s: (b) %.4f < %.2f" % (fx, fb, MIN_B))
    t.finish()


if __name__ == "__main__":
    main()
