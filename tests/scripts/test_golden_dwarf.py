# SPDX-License-Identifier: MIT
# Golden fidelity: the ISF we build from truth/btf_vmlinux + System.map + truth/version must agree
# with dwarf2json's ISF of the same kernel (struct layouts, System.map addresses, key symbol types).
# Every difference must be listed with a reason in tests/golden/allow-list.txt.
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("IC_BUILD", ".")
FIXTURES = ["fx-deb12-6.1", "fx-forky-7.2"]

# isf.md 4.5: symbols Volatility reads through object_from_symbol(); their types must match.
KEY_SYMBOLS = """init_task tk_core timekeeper cap_last_cap modules net_namespace_list tty_drivers
module_kset mod_tree module_addr_min module_addr_max vmemmap_base mem_map mem_section prog_idr
keyboard_notifier_list prb log_buf log_buf_len log_first_idx log_next_idx pid_hash pidhash_shift
socket_file_ops sockfs_dentry_operations ftrace_ops_list ftrace_list_end
__start___tracepoints_ptrs num_registered_fb registered_fb kallsyms_num_syms idt_table init_pid_ns
init_mm init_files iomem_resource linux_banner runqueues current_task""".split()


def fixture(fx, f):
    r = subprocess.run(["bash", os.path.join(SRC, "tests/lib/fixture.sh"), fx, f],
                       capture_output=True, text=True)
    if r.returncode == 77:
        sys.exit(1 if os.environ.get("CI") else 77)
    if r.returncode != 0:
        sys.exit("fixture.sh %s %s failed: %s" % (fx, f, r.stderr))
    return r.stdout.strip()


def load_allow(name="allow-list.txt"):
    allow = {}
    path = os.path.join(SRC, "tests/golden", name)
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "#" not in line:
                sys.exit("%s:%d: entry without a reason" % (path, n))
            key, reason = line.split("#", 1)
            if not reason.strip():
                sys.exit("%s:%d: empty reason" % (path, n))
            parts = key.split()
            if len(parts) != 3:
                sys.exit("%s:%d: want '<fixture|*> <category> <key> # reason'" % (path, n))
            allow[tuple(parts)] = reason.strip()
    return allow


def unnamed(name):
    return name.startswith("unnamed_")


class Isf:
    def __init__(self, d):
        self.d = d
        self.ut = d["user_types"]
        self.en = d["enums"]
        self.bt = d["base_types"]
        self._flat = {}

    def flat(self, name, depth=0):
        """Members as Volatility sees them: anonymous members flattened into the parent."""
        if name in self._flat:
            return self._flat[name]
        out = {}
        t = self.ut.get(name)
        if t is None or depth > 16:
            return out
        for fname, f in t["fields"].items():
            if f.get("anonymous"):
                for sub, (off, ty) in self.flat(f["type"].get("name", ""), depth + 1).items():
                    out.setdefault(sub, (off + f["offset"], ty))
            else:
                out[fname] = (f["offset"], f["type"])
        self._flat[name] = out
        return out


def base_sig(isf, name):
    b = isf.bt.get(name)
    return None if b is None else (b["size"], b["kind"])


def flatten_array(a):
    n = 1
    while a.get("kind") == "array":
        n *= a["count"]
        a = a["subtype"]
    return n, a


def dims(a):
    out = []
    while a.get("kind") == "array":
        out.append(str(a["count"]))
        a = a["subtype"]
    return "[" + "][".join(out) + "]"


DUP = re.compile(r"^(.*)__btf[0-9]+$")


def layout(isf, name):
    t = isf.ut.get(name)
    if t is None:
        return None
    return t["size"], {k: v[0] for k, v in isf.flat(name).items()}


def equiv(a, b, A, B, depth=0):
    """Are descriptors a (ours) and b (DWARF) equivalent? Returns None or a reason string."""
    if depth > 8:
        return None
    ka, kb = a.get("kind"), b.get("kind")
    if ka != kb:
        return "kind %s vs %s" % (ka, kb)
    if ka == "base":
        if a["name"] == b["name"]:
            return None
        if base_sig(A, a["name"]) == base_sig(B, b["name"]) and base_sig(A, a["name"]):
            return None
        return "base %s vs %s" % (a["name"], b["name"])
    if ka == "pointer":
        r = equiv(a["subtype"], b["subtype"], A, B, depth + 1)
        return r and "pointer to " + r
    if ka == "array":
        if a["count"] != b["count"] or a["subtype"].get("kind") != b["subtype"].get("kind"):
            # pahole encodes T x[a][b] as one BTF array of a*b elements: same bytes, one level
            (ca, ia), (cb, ib) = flatten_array(a), flatten_array(b)
            if ca == cb and not equiv(ia, ib, A, B, depth + 1):
                return "FLAT:array %d vs %s" % (a["count"], dims(b))
            return "array count %d vs %d" % (a["count"], b["count"])
        r = equiv(a["subtype"], b["subtype"], A, B, depth + 1)
        return r and ("FLAT:" if r.startswith("FLAT:") else "") + "array of " + r.replace("FLAT:", "")
    if ka == "bitfield":
        if (a["bit_position"], a["bit_length"]) != (b["bit_position"], b["bit_length"]):
            return "bitfield %d:%d vs %d:%d" % (a["bit_position"], a["bit_length"],
                                                b["bit_position"], b["bit_length"])
        return equiv(a["type"], b["type"], A, B, depth + 1)
    if ka in ("struct", "union"):
        na, nb = a["name"], b["name"]
        m = DUP.match(na)
        if m and m.group(1) == nb:
            # ours points at a second body of a duplicated name; DWARF has one body per name
            if layout(A, na) == layout(B, nb):
                return None
            return "DUP:%s %s vs %s" % (ka, na, nb)
        if not unnamed(na) and not unnamed(nb):
            return None if na == nb else "%s %s vs %s" % (ka, na, nb)
        # anonymous on either side: same size and same member layout
        ta, tb = A.ut.get(na), B.ut.get(nb)
        if ta is None or tb is None:
            return None if ta is tb else "%s %s vs %s (one missing)" % (ka, na, nb)
        if ta["size"] != tb["size"]:
            return "%s %s size %d vs %s %d" % (ka, na, ta["size"], nb, tb["size"])
        fa, fb = A.flat(na), B.flat(nb)
        if {k: v[0] for k, v in fa.items()} != {k: v[0] for k, v in fb.items()}:
            return "%s %s vs %s: member layout" % (ka, na, nb)
        return None
    if ka == "enum":
        na, nb = a["name"], b["name"]
        if not unnamed(na) and not unnamed(nb):
            return None if na == nb else "enum %s vs %s" % (na, nb)
        ea, eb = A.en.get(na), B.en.get(nb)
        if ea is None or eb is None:
            return "enum %s vs %s (one missing)" % (na, nb)
        return None if ea["constants"] == eb["constants"] else "enum constants differ"
    return None  # function


def compare(fx, ours, dwarf, sysmap_names, allow, used):
    A, B = Isf(ours), Isf(dwarf)
    diffs = []
    counts = {}

    def diff(cat, key, what):
        counts[cat] = counts.get(cat, 0) + 1
        for k in ((fx, cat, key), ("*", cat, key), (fx, cat, "*"), ("*", cat, "*")):
            if k in allow:
                used.add(k)
                return
        diffs.append("%s %s %s  (%s)" % (fx, cat, key, what))

    common = [n for n in sorted(set(A.ut) & set(B.ut)) if not unnamed(n)]
    nfields = 0
    variants = {}
    for n in A.ut:
        m = DUP.match(n)
        variants.setdefault(m.group(1) if m else n, []).append(n)
    for name in common:
        ours_name = name
        if layout(A, name) != layout(B, name):
            # a name the kernel defines twice: dwarf2json keeps the last CU's body, we keep
            # the most referenced one and suffix the others; compare with the matching body
            for v in sorted(variants.get(name, [])):
                if v != name and layout(A, v) == layout(B, name):
                    diff("dup-name-winner", name, "DWARF's body is our " + v)
                    ours_name = v
                    break
        ta, tb = A.ut[ours_name], B.ut[name]
        if ta["size"] != tb["size"]:
            diff("struct-size", name, "%d vs %d" % (ta["size"], tb["size"]))
            continue
        fa, fb = A.flat(ours_name), B.flat(name)
        for f in sorted(set(fa) | set(fb)):
            key = "%s.%s" % (name, f)
            if f not in fa:
                diff("field-missing", key, "only in DWARF")
                continue
            if f not in fb:
                diff("field-extra", key, "only in BTF")
                continue
            nfields += 1
            if fa[f][0] != fb[f][0]:
                diff("field-offset", key, "%d vs %d" % (fa[f][0], fb[f][0]))
                continue
            r = equiv(fa[f][1], fb[f][1], A, B)
            if r:
                cat = "field-type"
                if "DUP:" in r:
                    cat = "dup-name-ref"
                elif r.startswith("FLAT:"):
                    cat = "array-flattened"
                diff(cat, key, r.replace("FLAT:", "").replace("DUP:", ""))
    sa, sb = ours["symbols"], dwarf["symbols"]
    naddr = 0
    for n in sorted(sysmap_names):
        if n not in sa:
            diff("symbol-missing", n, "System.map symbol not in our ISF")
            continue
        if n in sb:
            naddr += 1
            if sa[n]["address"] != sb[n]["address"]:
                diff("symbol-addr", n, "%x vs %x" % (sa[n]["address"], sb[n]["address"]))
    ntyped = 0
    for n in KEY_SYMBOLS:
        if n not in sb or n not in sysmap_names:
            continue
        tb = sb[n].get("type", {"kind": "base", "name": "void"})
        ta = sa.get(n, {}).get("type", {"kind": "base", "name": "void"})
        if tb == {"kind": "base", "name": "void"}:
            continue
        ntyped += 1
        r = equiv(ta, tb, A, B)
        if r:
            diff("symbol-type", n, r + ": ours " + json.dumps(ta)[:120])
    print("%s: differences by category (allowed or not): %s" % (
        fx, ", ".join("%s %d" % kv for kv in sorted(counts.items())) or "none"))
    print("%s: %d common structs, %d fields compared, %d symbol addresses, %d key symbol types; "
          "%d unexplained differences" % (fx, len(common), nfields, naddr, ntyped, len(diffs)))
    return diffs


def compare_files(argv):
    """--compare NAME OURS.json DWARF.json NAMES...: an image profile against dwarf2json's ISF of
    the same kernel, outside CI (e.g. an arm64 image made with make-image-arm64.sh). NAMES are
    System.map-format files (truth/kallsyms, System.map): symbol addresses are compared for
    their names; a kernel without KALLSYMS_ALL lacks data symbols, so pass truth/kallsyms."""
    if len(argv) < 4:
        sys.exit("usage: test_golden_dwarf.py --compare NAME OURS.json DWARF.json NAMES...")
    name, ours_path, dwarf_path, name_files = argv[0], argv[1], argv[2], argv[3:]
    with open(ours_path) as f:
        ours = json.load(f)
    with open(dwarf_path) as f:
        dwarf = json.load(f)
    names = set()
    for path in name_files:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 3:
                    names.add(p[2])
    used = set()
    diffs = compare(name, ours, dwarf, names, load_allow(), used)
    for d in diffs[:200]:
        print("DIFF", d)
    if len(diffs) > 200:
        print("... %d more" % (len(diffs) - 200))
    return 1 if diffs else 0


def main():
    if sys.argv[1:2] == ["--compare"]:
        return compare_files(sys.argv[2:])
    allow = load_allow()
    used = set()
    drv = os.path.join(BUILD, "tests", "test_isf")
    all_diffs = []
    with tempfile.TemporaryDirectory(dir=BUILD) as tmp:
        for fx in FIXTURES:
            btf = fixture(fx, "truth/btf_vmlinux")
            smap = fixture(fx, "System.map")
            version = fixture(fx, "truth/version")
            d2j = fixture(fx, "dwarf2json.isf.json")
            out = os.path.join(tmp, fx + ".json")
            r = subprocess.run([drv, "--btf", btf, "--map", smap, "--banner-file", version,
                                "-o", out], capture_output=True, text=True)
            sys.stderr.write(r.stderr)
            if r.returncode != 0:
                print("%s: writer failed (%d)" % (fx, r.returncode))
                return 1
            with open(out) as f:
                ours = json.load(f)
            with open(d2j) as f:
                dwarf = json.load(f)
            names = set()
            with open(smap) as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 3:
                        names.add(p[2])
            # banner: the exact bytes of truth/version plus the NUL
            with open(version, "rb") as f:
                want = f.read() + b"\0"
            got = base64.b64decode(ours["symbols"]["linux_banner"]["constant_data"])
            if got != want:
                all_diffs.append("%s banner bytes differ" % fx)
            all_diffs += compare(fx, ours, dwarf, names, allow, used)
    for k in sorted(set(allow) - used):
        print("note: allow-list entry not needed: %s" % " ".join(k))
    for d in all_diffs[:200]:
        print("DIFF", d)
    if len(all_diffs) > 200:
        print("... %d more" % (len(all_diffs) - 200))
    return 1 if all_diffs else 0


if __name__ == "__main__":
    sys.exit(main())
