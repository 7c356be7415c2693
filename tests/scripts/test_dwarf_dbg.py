#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--dwarf on the real debug vmlinux of each fixture's kernel (Debian -dbg), IMAGE mode: the
three x86-64 fixtures and fx-arm64-forky-7.2.

  test_dwarf_dbg.py [--vol] [FIXTURE...]      (--vol: also IC_DWARF_VOL=1)

The -dbg packages are 0.6-1 GiB each and not in git or CI: this test looks for their vmlinux
under $IC_DBG (colon-separated folders, default ../dbg beside the checkout, as ../shared), by the
fixture's release (truth/version): .../vmlinux-<release> or .../modules/<release>/vmlinux, and
exits 77 (skip) when none of the fixtures has one. For each fixture that has one:

  profiles  `isfcarve IMAGE --dwarf VMLINUX` (types from DWARF) and `isfcarve IMAGE` (the image's
            own BTF), both written
  symbols   the DWARF profile has the BTF profile's symbols at the same addresses (only the types
            may differ), and every one of them that System.map names is at a System.map address
  base      the base types (arm64 has __int128, __fp16, __bf16, __mfp8, __Poly*_t) and every
            enum named alike in both (not unnamed, not __btf<id>) equal the BTF profile's
  layouts   against the fixture's dwarf2json ISF when it has one (6.1, 7.2), else against the BTF
            profile (6.12): every struct/union size, flattened member offset and member type
            equal; the only differences allowed are same-name collisions (a name the kernel
            defines twice, each of the two profiles keeping another body under the plain name)
            and, against BTF, pahole's flattened 2-D arrays
  types     the symbols Volatility reads (symdb/plugin-symbols.txt and test_golden_dwarf's list)
            have the reference's type, except arrays the reference typed from an `extern T x[];`
            declaration (count 0: linux_banner, node_data, sys_call_table), ours from the
            definition
  vol       (with --vol; ~25 min for the three under load, too long for the ctest run) the
            vendored Volatility 3 runs linux.pslist, linux.lsmod, linux.sockstat and linux.lsof
            with each profile (its own symbols folder, fresh cache; 5-level images through the
            volatility3/ extension's LA57 layer): outputs identical. Not on arm64: the vendored
            Volatility 2.11.0 has no arm64 layer
Every difference found is printed by category (docs/dwarf.md lists them per kernel).
"""
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import icfix  # noqa: E402
import test_golden_dwarf as g  # noqa: E402

# fixture -> (image, 5-level paging, Volatility 2.11.0 reads it)
FIXTURES = {"fx-deb12-6.1": ("mem.lime", False, True), "fx-forky-7.2": ("mem.elf", False, True),
            "fx-la57-6.12": ("mem.elf", True, True),
            "fx-arm64-forky-7.2": ("mem.elf", False, False)}
PLUGINS = ["linux.pslist", "linux.lsmod", "linux.sockstat", "linux.lsof"]
VOID = {"kind": "base", "name": "void"}
# categories of test_golden_dwarf.compare() that are same-name collisions (see compare())
COLLISION = {"dup-name-winner", "dup-name-ref"}


def release(fx):
    with open(icfix.fixture(fx, "truth/version")) as f:
        words = f.read().split()
    return words[2] if len(words) > 2 and words[:2] == ["Linux", "version"] else None


def find_vmlinux(rel):
    default = os.path.join(icfix.SRC, "..", "dbg")
    for top in os.environ.get("IC_DBG", default).split(":"):
        hits = []
        for root, _, files in os.walk(top):
            for n in files:
                p = os.path.join(root, n)
                if n == "vmlinux-" + rel or (n == "vmlinux" and root.endswith("/modules/" + rel)):
                    hits.append(p)
        if hits:
            return sorted(hits)[0]
    return None


def sysmap(fx):
    addrs = {}
    with open(icfix.fixture(fx, "System.map")) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                addrs.setdefault(p[2], set()).add(int(p[0], 16))
    return addrs


def plugin_names():
    names, pats = set(g.KEY_SYMBOLS), []
    with open(os.path.join(icfix.SRC, "symdb/plugin-symbols.txt")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("pattern:"):
                pats.append(line[len("pattern:"):])
            elif line and not line.startswith("#"):
                names.add(line)
    return names, pats


def same_named(a, b, A, B):
    """Are a (DWARF profile) and b (reference) the same type up to which body of a twice-defined
    name each calls plain? test_golden_dwarf.equiv() handles one side suffixed; here both may be
    (`struct slot__btf1` vs `struct slot__btf2`): compare the bodies' layouts."""
    r = g.equiv(a, b, A, B)
    if r is None:
        return None
    while a.get("kind") == b.get("kind") and a.get("kind") in ("pointer", "array"):
        if a.get("kind") == "array" and a["count"] != b["count"]:
            return r
        a, b = a["subtype"], b["subtype"]
    if a.get("kind") in ("struct", "union") and a.get("kind") == b.get("kind"):
        ma, mb = g.DUP.match(a["name"]), g.DUP.match(b["name"])
        base_a = ma.group(1) if ma else a["name"]
        base_b = mb.group(1) if mb else b["name"]
        if base_a == base_b:
            return "COLLISION:" + r
    return r


def incomplete_array(a, b, A, B):
    return (a.get("kind") == b.get("kind") == "array" and b["count"] == 0 and a["count"] > 0
            and g.equiv(a["subtype"], b["subtype"], A, B) is None)


def check_profile(c, fx, dw, btf, ref, ref_name, smap):
    A, R = g.Isf(dw), g.Isf(ref)
    # symbols: only the types come from the DWARF file
    sa, sb = dw["symbols"], btf["symbols"]
    c.check(set(sa) == set(sb), f"{fx}: symbol names differ from the BTF profile's: "
            f"{sorted(set(sa) ^ set(sb))[:10]}")
    moved = [n for n in set(sa) & set(sb) if sa[n]["address"] != sb[n]["address"]]
    c.check(not moved, f"{fx}: addresses differ from the BTF profile's: {moved[:10]}")
    off_map = [n for n, s in sa.items() if n in smap and s["address"] not in smap[n]]
    c.check(not off_map, f"{fx}: addresses not System.map's: {off_map[:10]}")
    print(f"{fx}: {len(sa)} symbols, {sum(1 for n in sa if n in smap)} in System.map, "
          f"{len(off_map)} at another address; {len(moved)} differ from the BTF profile")

    # base types and enums: pahole made the image's BTF from the same DWARF; names it gives an
    # id (__btf<id>, unnamed_*) are numbered differently by the two, so only plain names compare
    bd, bb = dw["base_types"], btf["base_types"]
    odd = sorted(n for n in set(bd) | set(bb) if bd.get(n) != bb.get(n))
    c.check(not odd, f"{fx}: base types differ from the BTF profile's: {odd}")
    named = [n for n in set(dw["enums"]) & set(btf["enums"])
             if not g.DUP.match(n) and not n.startswith("unnamed")]
    odd = sorted(n for n in named if dw["enums"][n] != btf["enums"][n])
    c.check(not odd, f"{fx}: enums differ from the BTF profile's: {odd[:10]}")
    print(f"{fx}: {len(dw['base_types'])} base types, {len(named) - len(odd)} of {len(named)} "
          f"named enums as in the BTF profile")

    # layouts (test_golden_dwarf's comparison, no allow-list: every difference is printed)
    diffs = g.compare(f"{fx}/{ref_name}", dw, ref, set(), {}, set())
    cats = {}
    for d in diffs:
        cats.setdefault(d.split()[1], []).append(d)
    for cat, ds in sorted(cats.items()):
        for d in ds:
            print("  " + d)
    ok = COLLISION | ({"array-flattened"} if ref_name == "BTF" else set())
    for cat, ds in cats.items():
        if cat in ok:
            continue
        if cat in ("field-type", "symbol-type"):
            continue  # judged below, member by member
        c.check(False, f"{fx}: {len(ds)} {cat} against {ref_name}: {ds[:3]}")
    # member types that differ: each must be a same-name collision (the two profiles name
    # another body of the same name, or the struct itself is defined twice with equal offsets)
    # the image's BTF (pahole) keeps every body of such a name: it names them too when our
    # converter merged two bodies declared on the same line (docs/dwarf.md)
    dups = set()
    for n in list(A.ut) + list(btf["user_types"]):
        m = g.DUP.match(n)
        if m:
            dups.add(m.group(1))
    for d in cats.get("field-type", []):
        key = d.split()[2]
        sname, field = key.split(".", 1)
        fa, fr = A.flat(sname), R.flat(sname)
        why = d
        if field in fa and field in fr:
            why = same_named(fa[field][1], fr[field][1], A, R)
        collision = (why or "").startswith("COLLISION:") or sname in dups
        c.check(collision, f"{fx}: {key}: {why} (not a same-name collision)")

    # types of the symbols Volatility reads
    names, pats = plugin_names()
    n_typed = n_same = 0
    for n in sorted(sa):
        if not (n in names or any(p in n for p in pats)) or n not in ref["symbols"]:
            continue
        tr = ref["symbols"][n].get("type", VOID)
        if tr == VOID:
            continue
        n_typed += 1
        why = same_named(sa[n].get("type", VOID), tr, A, R)
        if why is None:
            n_same += 1
        elif incomplete_array(sa[n].get("type", VOID), tr, A, R):
            # the reference typed it from an `extern T x[];` declaration (count 0), ours from
            # the definition (dwarf2json; and the symbol database the BTF profile uses)
            print(f"  {fx} {n}: {why} ({ref_name} types it from the extern declaration)")
        else:
            c.check(False, f"{fx}: symbol {n}: {why}")
    print(f"{fx}: {n_same} of {n_typed} Volatility symbols typed as {ref_name} types them")
    c.check(n_typed > 25, f"{fx}: only {n_typed} Volatility symbols typed by {ref_name}")


def vol_compare(c, fx, image, la57, profiles, work):
    import vol_e2e
    v = vol_e2e.Vol(image, work)
    env, ext = None, False
    if la57:
        # Volatility 2.11 walks 5-level tables as 4-level: the extension's LA57 layer, with an
        # ISFCARVE that fails, so the profile comes from -s and never from the automagic
        stub = os.path.join(work, "no-isfcarve")
        with open(stub, "w") as f:
            f.write("#!/bin/sh\nexit 4\n")
        os.chmod(stub, 0o755)
        env, ext = {"ISFCARVE": stub}, True
    out = {}
    for label, path in profiles.items():
        symdir = os.path.join(work, "symbols-" + label, "linux")
        os.makedirs(symdir)
        shutil.copy(path, os.path.join(symdir, label + ".json"))
        cache = v.cache("cache-" + label)
        for plugin in PLUGINS:
            code, rows, err = v.run(plugin, os.path.dirname(symdir), cache, ext=ext, env=env)
            c.check(code == 0, f"{fx} {label} {plugin}: exit {code}: {err[-500:]}")
            out[label, plugin] = v.stdout
            print(f"    {label} {plugin}: {len(rows)} rows", flush=True)
    for plugin in PLUGINS:
        a, b = out["dwarf", plugin], out["btf", plugin]
        c.check(a == b, f"{fx} {plugin}: output with the DWARF profile differs from the BTF one's")
        if a == b:
            print(f"{fx} {plugin}: identical ({len(vol_e2e.rows(a))} rows)")
        c.check(len(vol_e2e.rows(a)) > 0, f"{fx} {plugin}: no rows")


def main(args):
    vol = "--vol" in args or os.environ.get("IC_DWARF_VOL") == "1"
    want = [a for a in args if not a.startswith("--")] or list(FIXTURES)
    found = {}
    for fx in want:
        rel = release(fx)
        path = rel and find_vmlinux(rel)
        if path:
            found[fx] = path
        else:
            print(f"{fx}: no debug vmlinux of {rel} under $IC_DBG (skipped)")
    if not found:
        print("skip: no -dbg vmlinux for any fixture (set IC_DBG)", file=sys.stderr)
        sys.exit(77)  # also in CI: the packages are local only
    c = icfix.Counter()
    for fx, vmlinux in found.items():
        image_name, la57, vol_reads = FIXTURES[fx]
        image = icfix.fixture(fx, image_name)
        work = tempfile.mkdtemp(dir=icfix.BUILD, prefix=f"dwarf-dbg-{fx}-")
        try:
            print(f"{fx}: {image_name} with --dwarf {vmlinux}", flush=True)
            dwp, btfp = os.path.join(work, "dwarf.json"), os.path.join(work, "btf.json")
            icfix.run(image, "--dwarf", vmlinux, "-o", dwp, "-q")
            icfix.run(image, "-o", btfp, "-q")
            with open(dwp) as f:
                dw = json.load(f)
            with open(btfp) as f:
                btf = json.load(f)
            c.check(dw["metadata"]["linux"]["types"][0]["kind"] == "dwarf",
                    f"{fx}: the --dwarf profile's types are not from DWARF")
            shared = os.environ.get("IC_SHARED") or os.path.join(icfix.SRC, "..", "shared")
            d2j = os.path.join(shared, "testdata", fx, "dwarf2json.isf.json")
            ref_name = "dwarf2json" if os.path.exists(d2j + ".xz") or os.path.exists(d2j) else "BTF"
            if ref_name == "dwarf2json":
                ref_path = icfix.fixture(fx, "dwarf2json.isf.json")
                with open(ref_path) as f:
                    ref = json.load(f)
            else:
                ref = btf
            check_profile(c, fx, dw, btf, ref, ref_name, sysmap(fx))
            if vol and vol_reads:
                vol_compare(c, fx, image, la57, {"dwarf": dwp, "btf": btfp}, work)
            elif vol:
                print(f"{fx}: Volatility not run (2.11.0 has no layer for this architecture)")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
