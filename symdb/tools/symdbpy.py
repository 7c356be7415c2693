# SPDX-License-Identifier: MIT
"""symdb helpers for the maintainer scripts and tests: type-expression parser (mirror of
symdb/typeexpr.c), symdb.tsv reader and lookup (mirror of symdb/symdb.c), comparison of an
expression with a dwarf2json ISF type descriptor, and the merge of per-kernel type lists into
version ranges."""
import re

BASE_NAMES = {
    "void", "char", "signed char", "unsigned char", "short int", "short unsigned int", "int",
    "unsigned int", "long int", "long unsigned int", "long long int", "long long unsigned int",
    "_Bool", "__int128", "__int128 unsigned", "float", "double", "long double",
}
BASE_WORDS = {"void", "char", "signed", "unsigned", "short", "int", "long", "_Bool", "__int128",
              "float", "double"}
MAX_STEPS = 8


class ExprError(ValueError):
    pass


def kver(a, b, c=0):
    return (a << 16) + (b << 8) + min(c, 255)


def parse_ver(s, is_to):
    """symdb.tsv FROM/TO field -> KERNEL_VERSION number (inclusive bound)."""
    if s == "-":
        return 0xFFFFFFFF if is_to else 0
    parts = [int(x) for x in s.split(".")]
    if len(parts) == 2:
        return kver(parts[0], parts[1], 255 if is_to else 0)
    return kver(*parts)


def fmt_ver(v):
    return "%d.%d.%d" % (v >> 16, (v >> 8) & 255, v & 255)


def parse(expr):
    """-> dict(kind, name, members, steps): kind base|struct|union|enum|typedef|func; members is a
    tuple for anonymous types; steps is a list of ('ptr', 0) / ('array', count), outermost first."""
    m = re.match(r"^(struct|union|enum) \{([A-Za-z_]\w*(?:,[A-Za-z_]\w*)*)\}", expr)
    if m:
        kind, name, members, rest = m.group(1), None, tuple(m.group(2).split(",")), expr[m.end():]
    else:
        m = re.match(r"^(struct|union|enum) +([A-Za-z_]\w*)", expr)
        if m:
            kind, name, members, rest = m.group(1), m.group(2), None, expr[m.end():]
        else:
            m = re.match(r"^([A-Za-z_]\w*(?: [A-Za-z_]\w*)*)", expr)
            if not m:
                raise ExprError("no base type in %r" % expr)
            words = m.group(1).split(" ")
            n = 0
            while n < len(words) and words[n] in BASE_WORDS:
                n += 1
            if n == 0:
                kind, name = ("func" if words[0] == "func" else "typedef"), words[0]
                rest = expr[len(words[0]):]
            else:
                name = " ".join(words[:n])
                if name not in BASE_NAMES:
                    raise ExprError("not a GCC base type spelling: %r" % name)
                kind, rest = "base", expr[len(name):]
            members = None
    steps, pos = _decl(rest, 0, 0)
    if rest[pos:].strip():
        raise ExprError("trailing text in %r" % expr)
    if len(steps) > MAX_STEPS:
        raise ExprError("too many derivations in %r" % expr)
    if kind == "func" and (not steps or steps[-1][0] != "ptr"):
        raise ExprError("bare function in %r" % expr)
    return {"kind": kind, "name": name, "members": members, "steps": steps}


def _decl(s, i, depth):
    if depth > MAX_STEPS:
        raise ExprError("nesting")
    while i < len(s) and s[i] == " ":
        i += 1
    nptr = 0
    while i < len(s) and s[i] in "* ":
        nptr += s[i] == "*"
        i += 1
    inner = []
    if i < len(s) and s[i] == "(":
        inner, i = _decl(s, i + 1, depth + 1)
        while i < len(s) and s[i] == " ":
            i += 1
        if i >= len(s) or s[i] != ")" or not inner:
            raise ExprError("bad parenthesis in %r" % s)
        i += 1
    suffix = []
    while i < len(s) and s[i] == "[":
        j = s.index("]", i)
        digits = s[i + 1:j]
        if digits and not digits.isdigit():
            raise ExprError("bad array count in %r" % s)
        suffix.append(("array", int(digits) if digits else 0))
        i = j + 1
    return inner + suffix + [("ptr", 0)] * nptr, i


def render(t):
    decl = ""
    for op, count in t["steps"]:
        if op == "ptr":
            decl = "*" + decl
        else:
            if decl.startswith("*"):
                decl = "(" + decl + ")"
            decl += "[%s]" % (count if count else "")
    if t["members"] is not None:
        base = "%s {%s}" % (t["kind"], ",".join(t["members"]))
    elif t["kind"] in ("struct", "union", "enum"):
        base = "%s %s" % (t["kind"], t["name"])
    else:
        base = t["name"]
    return base + (" " if decl[:1] in ("*", "(") else "") + decl


# ---- symdb.tsv ---------------------------------------------------------------------------------

def read_tsv(path):
    """-> {name: [(from, to, type), ...]} sorted by from."""
    db = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, lo, hi, typ = line.split("\t")
            db.setdefault(name, []).append((parse_ver(lo, False), parse_ver(hi, True), typ))
    for rows in db.values():
        rows.sort()
    return db


def lookup(db, kv, name):
    for lo, hi, typ in db.get(name, ()):
        if lo <= kv <= hi:
            return typ
    return None


def write_tsv(path, db, header):
    with open(path, "w") as f:
        f.write(header)
        for name in sorted(db):
            for lo, hi, typ in db[name]:
                f.write("%s\t%s\t%s\t%s\n" % (name, _vfield(lo, False), _vfield(hi, True), typ))


def _vfield(v, is_to):
    if v == (0xFFFFFFFF if is_to else 0):
        return "-"
    a, b, c = v >> 16, (v >> 8) & 255, v & 255
    if (is_to and c == 255) or (not is_to and c == 0):
        return "%d.%d" % (a, b)
    return "%d.%d.%d" % (a, b, c)


# ---- per-kernel inputs -------------------------------------------------------------------------

DATA_LETTERS = set("bBdDrRvVgGsS")


def read_types(path):
    """ic_dwarf2symdb output -> {name: type}."""
    out = {}
    with open(path) as f:
        for line in f:
            name, typ = line.rstrip("\n").split("\t")
            out[name] = typ
    return out


def read_system_map(path):
    """-> {name: set of (letter, address)}."""
    out = {}
    opener = open
    if path.endswith(".xz"):
        import lzma
        opener = lzma.open
    with opener(path, "rt") as f:
        for line in f:
            p = line.split()
            if len(p) >= 3:
                try:
                    addr = int(p[0], 16)
                except ValueError:
                    continue
                out.setdefault(p[2], set()).add((p[1], addr))
    return out


def data_symbols(smap):
    """Names of data objects: a data type letter, or (Debian 7.x System.maps letter .data 'T')
    an address outside the kernel's text ranges [_stext,_etext) and [_sinittext,_einittext)."""
    def first(n):
        v = smap.get(n)
        return min(a for _, a in v) if v else None
    text = [(first(a), first(b)) for a, b in (("_stext", "_etext"), ("_sinittext", "_einittext"))]
    text = [(a, b) for a, b in text if a is not None and b is not None]
    out = set()
    for name, ents in smap.items():
        for letter, addr in ents:
            if letter in DATA_LETTERS:
                out.add(name)
                break
            if letter in "tTwW" and text and not any(a <= addr < b for a, b in text):
                out.add(name)
                break
    return out


def read_plugin_symbols(path):
    names, patterns = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("pattern:"):
                patterns.append(line[8:])
            else:
                names.append(line)
    return names, patterns


def plugin_names(names, patterns, universe):
    """The plugin symbols that exist in universe (names + every pattern match)."""
    out = {n for n in names if n in universe}
    for p in patterns:
        out |= {n for n in universe if p in n}
    return out


# ---- merge -------------------------------------------------------------------------------------

def _prev(v):
    """Largest version below v at the coarsest granularity that still separates it."""
    a, b, c = v >> 16, (v >> 8) & 255, v & 255
    if c:
        return v - 1
    if b:
        return kver(a, b - 1, 255)
    return kver(a - 1, 255, 255)


def open_counts(a, b):
    """a with the array counts in which it differs from b made open (T[]), when a and b differ
    in array counts only; else None."""
    try:
        ta, tb = parse(a), parse(b)
    except ExprError:
        return None
    if (ta["kind"], ta["name"], ta["members"]) != (tb["kind"], tb["name"], tb["members"]) or \
            [op for op, _ in ta["steps"]] != [op for op, _ in tb["steps"]]:
        return None
    steps = [(op, ca if ca == cb else 0) for (op, ca), (_, cb) in zip(ta["steps"], tb["steps"])]
    if steps == ta["steps"]:
        return None
    return render(dict(ta, steps=steps))


def _minor(v):
    """(first, last) version of v's major.minor."""
    return v & ~0xFF, v | 0xFF


def merge(kernels, seed, keep):
    """kernels: [(kver, {name: type})] (any order); seed: {name: rows} (wins for its names);
    keep(name, kver) -> bool selects the generated rows. The newer type of a changed symbol starts
    at the first sampled kernel that has it (at that kernel's major.minor when the previous sample
    has a lower minor); ranges before the oldest and after the newest sample are open.

    Except array counts: when two neighbouring samples differ in a count only (sys_call_table's
    NR_syscalls), each count holds for its samples' major.minor and the versions between them,
    and before or after them, get the open count T[] (an open count is unknown; a count taken
    over from another kernel is a wrong type)."""
    kernels = sorted(kernels)
    per_name = {}
    for kv, types in kernels:
        for name, typ in types.items():
            if name in seed or typ == "void" or not keep(name, kv):
                continue
            per_name.setdefault(name, []).append((kv, typ))
    db = dict(seed)
    for name, seq in per_name.items():
        groups = []  # [first kv, last kv, type]
        for kv, typ in seq:
            if groups and groups[-1][2] == typ:
                groups[-1][1] = kv
            else:
                groups.append([kv, kv, typ])
        # opened[i]: the open-count type between groups i-1 and i (None: not a count change)
        opened = [None] + [open_counts(groups[i][2], groups[i - 1][2]) for i in range(1, len(groups))]
        rows = []
        for i, (first, last, typ) in enumerate(groups):
            if i == 0:
                lo = 0
                if len(groups) > 1 and opened[1]:
                    lo = _minor(first)[0]
                    if lo:
                        rows.append((0, _prev(lo), opened[1]))
            else:
                lo = rows[-1][1] + 1
            if i + 1 < len(groups):
                nxt = groups[i + 1][0]
                same_minor = _minor(nxt)[0] <= _minor(last)[0]
                if opened[i + 1] and not same_minor:
                    hi = _minor(last)[1]
                    gap = (hi + 1, _prev(_minor(nxt)[0]))
                    rows.append((lo, hi, typ))
                    if gap[0] <= gap[1]:
                        rows.append((gap[0], gap[1], opened[i + 1]))
                    continue
                # boundary at the next sample's major.minor unless both share it
                cut = nxt if same_minor else _minor(nxt)[0]
                hi = _prev(cut)
            else:
                hi = 0xFFFFFFFF
                if i and opened[i] and _minor(last)[1] < hi:
                    rows.append((lo, _minor(last)[1], typ))
                    lo, typ = _minor(last)[1] + 1, open_counts(typ, groups[i - 1][2])
            rows.append((lo, hi, typ))
        db[name] = rows
    return db


# ---- comparison with dwarf2json ----------------------------------------------------------------

def _flat_fields(isf, name, depth=0):
    ut = isf["user_types"].get(name)
    if ut is None or depth > 8:
        return None
    out = set()
    for fname, f in ut["fields"].items():
        if f.get("anonymous"):
            sub = _flat_fields(isf, f["type"].get("name", ""), depth + 1)
            if sub:
                out |= sub
        else:
            out.add(fname)
    return out


def matches_isf(expr, desc, isf):
    """True if the symdb expression describes the same type as the dwarf2json descriptor."""
    t = parse(expr)
    d = desc
    for op, count in t["steps"]:
        if op == "ptr":
            if d.get("kind") != "pointer":
                return False
        else:
            if d.get("kind") != "array" or d.get("count") != count:
                return False
        d = d["subtype"]
    k = d.get("kind")
    if t["kind"] == "base":
        return k == "base" and d.get("name") == t["name"]
    if t["kind"] == "func":
        return k == "function"
    if t["kind"] == "typedef":
        return k in ("struct", "union") and d.get("name") == t["name"]
    if k != t["kind"]:
        return False
    if t["members"] is None:
        return d.get("name") == t["name"]
    if not d.get("name", "").startswith("unnamed_"):
        return False
    if k == "enum":
        e = isf["enums"].get(d["name"])
        return e is not None and set(e["constants"]) == set(t["members"])
    return _flat_fields(isf, d["name"]) == set(t["members"])


def expr_from_isf(desc, isf):
    """Best-effort symdb spelling of a dwarf2json descriptor (typedef vs tag is not knowable)."""
    steps = []
    while desc.get("kind") in ("pointer", "array"):
        steps.append(("ptr", 0) if desc["kind"] == "pointer" else ("array", desc["count"]))
        desc = desc["subtype"]
    k = desc.get("kind")
    t = {"steps": steps, "members": None, "name": desc.get("name"), "kind": k}
    if k == "function":
        t["kind"], t["name"] = "func", "func"
    elif k in ("struct", "union", "enum") and desc["name"].startswith("unnamed_"):
        if k == "enum":
            t["members"] = tuple(isf["enums"][desc["name"]]["constants"])
        else:
            t["members"] = tuple(sorted(_flat_fields(isf, desc["name"]) or ()))
    return render(t)
