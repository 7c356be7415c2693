# SPDX-License-Identifier: MIT
# Symbol typing against DWARF: for every symbol dwarf2json types (non-void), compare the type of
# the ISF we build from truth/btf_vmlinux + System.map + truth/version with DWARF's, using the
# equivalence of test_golden_dwarf.py. Plugin symbols must all agree; overall agreement must not
# fall below the measured figure (docs/symdb.md "Typing against DWARF").
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_golden_dwarf as g  # noqa: E402

# Measured 2026-11-25 (docs/symdb.md): 6.1 99.97 % (24136/24143), 7.2 99.98 % (35795/35801).
# Threshold = measured minus ~0.15 points (a few dozen symbols) for symdb regeneration noise.
MIN_AGREEMENT = {"fx-deb12-6.1": 99.8, "fx-forky-7.2": 99.8}
VOID = {"kind": "base", "name": "void"}


def plugin_symbols():
    names, pats = set(), []
    with open(os.path.join(g.SRC, "symdb/plugin-symbols.txt")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("pattern:"):
                pats.append(line[len("pattern:"):])
            else:
                names.add(line)
    return names, pats


def main():
    drv = os.path.join(g.BUILD, "tests", "test_isf")
    pnames, ppats = plugin_symbols()
    allow = g.load_allow()
    allow.update(g.load_allow("symdb-scope-allow.txt"))  # where dwarf2json is not the truth
    fail = []
    with tempfile.TemporaryDirectory(dir=g.BUILD) as tmp:
        for fx in g.FIXTURES:
            btf = g.fixture(fx, "truth/btf_vmlinux")
            smap = g.fixture(fx, "System.map")
            version = g.fixture(fx, "truth/version")
            d2j = g.fixture(fx, "dwarf2json.isf.json")
            out = os.path.join(tmp, fx + ".json")
            r = subprocess.run([drv, "--btf", btf, "--map", smap, "--banner-file", version,
                                "-o", out], capture_output=True, text=True)
            if r.returncode != 0:
                sys.stderr.write(r.stderr)
                print("%s: writer failed (%d)" % (fx, r.returncode))
                return 1
            with open(out) as f:
                ours = json.load(f)
            with open(d2j) as f:
                dwarf = json.load(f)
            A, B = g.Isf(ours), g.Isf(dwarf)
            text = set()
            with open(smap) as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 3 and p[1] in "tT":
                        text.add(p[2])
            sa, sb = ours["symbols"], dwarf["symbols"]
            c = {"same": 0, "flattened": 0, "allowed": 0, "definition": 0, "different": 0,
                 "void": 0, "text": 0, "absent": 0}
            samples = {}
            for n in sorted(sb):
                tb = sb[n].get("type", VOID)
                if tb == VOID:
                    continue
                plugin = n in pnames or any(p in n for p in ppats)
                if n not in sa:
                    cat, why = "absent", "not in our ISF"
                elif n in text and sa[n].get("type", VOID) == VOID and not plugin:
                    # a code symbol (System.map t/T) DWARF also knows as a variable of another
                    # CU, or a Rust function dwarf2json mistypes: void is right for code.
                    # Only when we typed it void: 7.2 lists some data objects as T.
                    cat, why = "text", "text symbol"
                else:
                    ta = sa[n].get("type", VOID)
                    why = None if ta == VOID else g.equiv(ta, tb, A, B)
                    if ta == VOID:
                        cat, why = "void", "void in ours"
                    elif why is None:
                        cat = "same"
                    elif any(k in allow for k in ((fx, "symbol-type", n), ("*", "symbol-type", n))):
                        cat = "allowed"  # tests/golden/{allow-list,symdb-scope-allow}.txt: why
                    elif why.startswith("FLAT:"):
                        cat = "flattened"  # documented: pahole flattens T x[a][b]
                    elif (ta.get("kind") == tb.get("kind") == "array" and tb["count"] == 0
                          and ta["count"] > 0 and g.equiv(ta["subtype"], tb["subtype"], A, B) is None):
                        # dwarf2json read `extern T x[];`, the symdb row the definition's T x[N]
                        cat = "definition"
                    else:
                        cat = "different"
                c[cat] += 1
                if cat in ("void", "different", "absent", "text"):
                    samples.setdefault(cat, []).append(n)
                    if plugin and cat != "absent":
                        fail.append("%s plugin symbol %s: %s" % (fx, n, why))
            # absent = DWARF variables without a System.map entry (file-scope statics the
            # linker dropped, names in discarded sections) and text symbols: nothing to type, not
            # counted
            total = sum(c.values()) - c["absent"] - c["text"]
            agree = 100.0 * (c["same"] + c["flattened"] + c["allowed"] + c["definition"]) / total \
                if total else 0.0
            print("%s: %d DWARF-typed symbols in our ISF: %s; agreement %.2f %% (min %.1f)" % (
                fx, total, ", ".join("%s %d" % kv for kv in c.items()), agree,
                MIN_AGREEMENT[fx]))
            for cat, ns in sorted(samples.items()):
                print("%s:   %s e.g. %s" % (fx, cat, " ".join(ns[:8])))
            if agree < MIN_AGREEMENT[fx]:
                fail.append("%s agreement %.2f %% < %.1f %%" % (fx, agree, MIN_AGREEMENT[fx]))
    for f in fail:
        print("FAIL", f)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
