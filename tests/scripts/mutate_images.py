#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Whole-image mutation harness: damage what the carvers read in a real fixture, run isfcarve,
and demand either a failure or a right profile.

For each run: pick a fixture (real memory image + its System.map and truth), a carved region
located from the clean run's --report and the image itself (BTF, each kallsyms table,
VMCOREINFO copies, banner copies, the page-table entries that map _text, the format's
headers/notes), and a mutation (bit flip, random byte, random or nudged 8-byte word, zeroed
16 bytes; in VMCOREINFO a changed hex digit of one KEY=value or KERNELOFFSET + 0x200000; in a
banner copy a changed release character). The mutation is written into a private copy of the
image (and undone after the run). isfcarve IMAGE -o OUT must then:

  * not crash: no signal, no sanitizer report, no exit 4 (internal) or 1 (usage);
  * not hang: end within --timeout seconds;
  * on failure (exit 2 or 3) leave no file behind;
  * on exit 0 give a RIGHT profile: every symbol's address = System.map (names System.map does
    not have: = the clean profile's), linux_banner = truth/version + NUL, and the types equal
    the clean profile's (a BTF that changed and was accepted is a wrong profile too).

A wrong profile whose (region, mutation) class is in KNOWN_UNTIL_FIXED or NOT_DETECTABLE is
reported as "known" and does not fail the run; anything else fails it.

usage: mutate_images.py [--runs N] [--seed S] [--jobs J] [--fixtures a,b] [--regions r,s]
                        [--timeout T] [--budget SECONDS] [--keep FILE.jsonl] [--verbose]
Env (as under ctest): IC_BIN, IC_SRC, IC_BUILD, IC_SHARED. Exit 0 = every run held, 1 = a
finding (listed), 77/1 = fixtures missing (outside/inside CI).
"""
import argparse
import base64
import bisect
import concurrent.futures as cf
import hashlib
import json
import mmap
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import icfix  # noqa: E402

FIXTURES = {  # name -> image file
    "fx-deb12-6.1": "mem.lime",
    "fx-forky-7.2": "mem.elf",
    "fx-arm64-forky-7.2": "mem.elf",
    "fx-la57-6.12": "mem.elf",
}

# Wrong profiles the harness finds on the base it was written on, each caused by a defect of
# issue 18 that another change fixes. (region, op) -> defect; "*" = any op. Once the fix is
# merged, delete its entries here: the CI sample must then pass without them.
# Found by `mutate_images.py --runs 300 --seed 1` on branch restructure 64d9b68 (docs/security.md).
KNOWN_UNTIL_FIXED = {
    # Emptied when D1, D2, D4, D5 and D6 landed (name order through kallsyms_seqs_of_names,
    # KERNELOFFSET against the link base, banner copies and init_uts_ns, the BTF semantic pass):
    # a wrong profile in those classes now fails the run.
}

# Wrong profiles that no check catches from the image alone (docs/security.md says why).
NOT_DETECTABLE = {
    # An offset nudged by a few bytes keeps the table sorted and moves one symbol. Caught only
    # for x86-64 functions with __pfx_ padding symbols (carvers/kallsyms/prefix_pairs.c); data
    # symbols, arm64 and kernels before the padding symbols stay uncaught (docs/security.md,
    # "kallsyms: what can and cannot be caught").
    # Caught since: x86-64 functions with __pfx_ padding symbols, arm64 functions moved by 1-3
    # bytes (4-byte instructions), per-CPU variables (the BTF's .data..percpu offsets).
    ("kallsyms_offsets", "*"): "D3 (one symbol moved, table still sorted)",
    # A BTF string changed into another valid name: no NUL gained or lost, not equal to another
    # string of the section, not a struct or member Volatility's analyses read
    # (src/0-base/btf/btf_trust.c). Nothing else in RAM repeats a BTF name (an enum constant
    # N_DROP renamed NoDROP in fx-la57-6.12). Decided per run by btf_rename_only().
    ("btf", "rename"): "a BTF name renamed into another valid name nothing checks",
    # Type-section words the validator can only check for plausibility (docs/security.md,
    # "BTF damage that stays plausible"); decided per run by btf_layout_only().
    ("btf", "size"): "a struct/union size changed within the validator's padding tolerance",
    ("btf", "member-name"): "a member renamed by pointing at another whole string",
    ("btf", "member-type"): "a member's type changed into another valid type",
    ("btf", "member-offset"): "a member moved inside its struct",
    ("btf", "enum-value"): "an enum constant's value changed",
    # One symbol of kallsyms_names renamed, the new name still sorting between the old one's
    # neighbours (the order check, 6.2+, sees only inversions) and neither name in a family the
    # kernel makes in pairs (carvers/kallsyms/name_pairs.c). Decided per run by
    # names_rename_undetectable().
    ("kallsyms_names", "rename-in-order"): "D2: a symbol renamed in order, with no pair partner",
    # One token of kallsyms_token_table changed, renaming every name that uses it the same way
    # (write -> wrjte): the renamed names keep the name order and pairs are renamed together
    # (__SCK__tp_func_X and __tracepoint_X both). Decided per run by
    # token_renames_undetectable().
    ("kallsyms_token_table", "rename-in-order"): "D1: a token renamed in every user, in order, "
                                                 "pairs renamed together",
}
# carvers/kallsyms/name_pairs.c's families: prefix + X needs partner + X
PAIR_FAMILIES = (("__ksymtab_", ""), ("__kstrtab_", ""), ("__kstrtabns_", ""), ("__crc_", ""),
                 ("__pfx_", ""), ("__SCK__", "__SCT__"), ("__SCT__", "__SCK__"),
                 ("__traceiter_", "__tracepoint_"), ("__SCK__tp_func_", "__tracepoint_"))
NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def volatility_names():
    """The struct and member names src/0-base/btf/btf_trust.c requires (parsed from it)."""
    path = os.path.join(icfix.SRC, "src", "0-base", "btf", "btf_trust.c")
    names = set()
    for sname, members in re.findall(r'[RO]\("(\w+)", "([\w|]+)"', open(path).read()):
        names.add(sname.encode())
        names.update(m.encode() for m in members.split("|"))
    return names


def btf_strings(blob):
    """{offset in the string section: string} and the section's (start, end) in blob."""
    hl, _to, _tl, so, sl = struct.unpack_from("<IIIII", blob, 4)
    a = hl + so
    strs, i = {}, 0
    sec = blob[a:a + sl]
    while i < len(sec):
        j = sec.find(b"\0", i)
        j = len(sec) if j < 0 else j
        strs[i] = sec[i:j]
        i = j + 1
    return strs, (a, a + sl)


BTF_EXTRA = {1: lambda v: 4, 3: lambda v: 12, 4: lambda v: 12 * v, 5: lambda v: 12 * v,
             6: lambda v: 8 * v, 13: lambda v: 8 * v, 14: lambda v: 4, 15: lambda v: 12 * v,
             17: lambda v: 4, 19: lambda v: 12 * v}


def btf_layout_only(clean, bad):
    """The NOT_DETECTABLE key of a type-section change the validator accepted, if every
    changed word is one only plausibility can judge; None otherwise."""
    hl, to, tl = struct.unpack_from("<III", clean, 4)
    a, e = hl + to, hl + to + tl
    diff = [i for i in range(len(clean)) if clean[i] != bad[i]]
    if not diff or diff[0] < a or diff[-1] >= e:
        return None
    keys, pos = set(), a
    while pos < e and diff:
        _n, info, _s = struct.unpack_from("<III", clean, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        end = pos + 12 + BTF_EXTRA.get(kind, lambda v: 0)(vlen)
        for d in [d for d in diff if d < end]:
            w = (d - pos) // 4  # word of the record
            if kind in (4, 5) and w == 2:
                keys.add("size")
            elif kind in (4, 5) and w >= 3:
                keys.add(("member-name", "member-type", "member-offset")[(w - 3) % 3])
            elif (kind == 6 and w >= 3 and (w - 3) % 2 == 1) or (kind == 19 and w >= 3 and (w - 3) % 3):
                keys.add("enum-value")
            else:
                return None
        diff = [d for d in diff if d >= end]
        pos = end
    return sorted(keys)[0] if len(keys) == 1 else None


def _cut(a):
    """A name up to its first '.' (some kernels sort names cut there: name_order.c)."""
    return a.split(".", 1)[0]


def _in_order(a, b):
    return a <= b or _cut(a) <= _cut(b)


def names_rename_undetectable(fx, isf):
    """True when the profile differs from a right one only by one new name D at the address
    of an old one O (the clean profile's name that is gone, else System.map's names there: O
    may have same-named copies elsewhere) that no kallsyms check can see: D sorts between O's
    neighbours as the kernel compares (name_order.c: plain, or cut at the first '.') and
    neither name belongs to a pair family (as prefix + X, or as the X or partner of one).
    Without D the profile must be right: a second damaged name is not hidden behind it."""
    clean = getattr(fx, "clean_syms", {})
    syms = isf.get("symbols", {})
    new = [n for n in syms if n not in clean and n not in fx.sysmap]
    if len(new) != 1:
        return False
    d, a = new[0], syms[new[0]].get("address")
    if not fx.judge_isf({**isf, "symbols": {n: v for n, v in syms.items() if n != d}})[0]:
        return False
    gone = [n for n in clean if n not in syms and clean[n] == a]
    if not hasattr(fx, "_names_sorted"):
        fx._names_sorted = sorted(set(clean) | set(fx.sysmap))
        fx._by_addr = {}
        for n, addrs in fx.sysmap.items():
            for x in addrs:
                fx._by_addr.setdefault(x, []).append(n)
    names = fx._names_sorted
    for o in gone or fx._by_addr.get(a, []):
        i = bisect.bisect_left(names, o)
        if (i and not _in_order(names[i - 1], d)) or (i + 1 < len(names) and not _in_order(d, names[i + 1])):
            continue
        paired = False
        for pre, partner in PAIR_FAMILIES:
            for x in (d, o):
                if x.startswith(pre) or (partner and x.startswith(partner)) or \
                        (not partner and (pre + x) in fx.sysmap):
                    paired = True
        if not paired:
            return True
    return False


def token_renames_undetectable(fx, isf):
    """True when the profile differs from a right one only by renamed symbols (each new name at
    the address of a name the profile lost) and the renamed name list passes the decoder's own
    name checks: still in order as the kernel compares, and every pair family the kernel makes
    still whole (name_pairs.c's rule: judged with 100+ members, under a quarter alone)."""
    clean = getattr(fx, "clean_syms", {})
    syms = isf.get("symbols", {})
    new = [n for n in syms if n not in clean and n not in fx.sysmap]
    newset = set(new)
    if not new or not fx.judge_isf({**isf, "symbols": {n: v for n, v in syms.items()
                                                         if n not in newset}})[0]:
        return False
    gone_at = {}
    for n in clean:
        if n not in syms:
            gone_at.setdefault(clean[n], n)
    ren = {}
    for d in new:
        o = gone_at.get(syms[d].get("address"))
        if o is None:
            return False
        ren[o] = d
    # carvers/same_kernel.c sees 16 or more functions renamed by one character changed the same
    # way (the BTF's FUNC names are functions): that should have failed the run
    subst = {}
    for o, d in ren.items():
        diff = [i for i in range(len(o)) if len(o) == len(d) and o[i] != d[i]]
        if len(diff) == 1 and any(t in "tTwW" for t in fx.types.get(o, "")):
            key = (o[diff[0]], d[diff[0]])
            subst[key] = subst.get(key, 0) + 1
    if subst and max(subst.values()) >= 16:
        return False
    if not hasattr(fx, "_names_sorted"):
        fx._names_sorted = sorted(set(clean) | set(fx.sysmap))
    names = [ren.get(n, n) for n in fx._names_sorted]
    if any(not _in_order(a, b) for a, b in zip(names, names[1:])):
        return False
    have = set(names)
    for pre, partner in PAIR_FAMILIES:
        members = [n[len(pre):] for n in have if n.startswith(pre) and len(n) > len(pre)]
        lone = sum(1 for x in members if partner + x not in have)
        if len(members) >= 100 and lone and lone * 4 < len(members):
            return False
    return True


def btf_rename_only(clean, bad, needed):
    """Is bad = clean with names renamed into other valid names that no check can see?"""
    if clean[:24] != bad[:24]:
        return False
    cs, (a, e) = btf_strings(clean)
    diff = [i for i in range(len(clean)) if clean[i] != bad[i]]
    if not diff or diff[0] < a or diff[-1] >= e:
        return False
    bs, _ = btf_strings(bad)
    if cs.keys() != bs.keys():
        return False  # a NUL gained or lost: the string-structure check's case
    seen = {}
    for o, t in bs.items():
        if t in seen and t:
            return False  # stored twice: caught
        seen[t] = o
    changed = [o for o in cs if cs[o] != bs[o]]
    return all(NAME.fullmatch(bs[o]) and cs[o] not in needed for o in changed)


SANITIZER_MARKS = (b"AddressSanitizer", b"UndefinedBehaviorSanitizer", b"LeakSanitizer",
                   b"runtime error:", b"MemorySanitizer", b"ThreadSanitizer")


# ---------------------------------------------------------------- image layout (phys <-> file)

def segments(path):
    """[(phys, file offset, length)] and the format's header spans [(file offset, length, name)]."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] == b"EMiL":
            segs, hdrs, off = [], [], 0
            size = os.fstat(f.fileno()).st_size
            while off + 32 <= size:
                f.seek(off)
                magic, ver, start, end = struct.unpack("<IIQQ", f.read(24))
                if magic != 0x4C694D45:
                    break
                hdrs.append((off, 32, "lime_header"))
                segs.append((start, off + 32, end - start + 1))
                off += 32 + end - start + 1
            return segs, hdrs
        if head[:4] == b"\x7fELF":
            phoff, = struct.unpack_from("<Q", head, 32)
            phentsize, phnum = struct.unpack_from("<HH", head, 54)
            f.seek(phoff)
            ph = f.read(phentsize * phnum)
            segs, hdrs = [], [(0, 64, "elf_header"), (phoff, phentsize * phnum, "elf_phdrs")]
            for i in range(phnum):
                t, _, off, _, pa, filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
                if t == 1 and filesz:
                    segs.append((pa, off, filesz))
                elif t == 4 and filesz:
                    hdrs.append((off, min(filesz, 1 << 16), "elf_notes"))
            return segs, hdrs
    raise RuntimeError(f"{path}: neither LiME nor ELF")


class Layout:
    def __init__(self, path):
        self.segs, self.headers = segments(path)

    def off(self, phys, n=1):
        for pa, off, ln in self.segs:
            if pa <= phys and phys + n <= pa + ln:
                return off + (phys - pa)
        return None

    def phys(self, off):
        for pa, o, ln in self.segs:
            if o <= off < o + ln:
                return pa + (off - o)
        return None


# ---------------------------------------------------------------- regions of one fixture

class Fixture:
    """A fixture's clean run: image, truth, the regions the carvers read (file offsets)."""

    def __init__(self, name, work, binary, timeout):
        self.name = name
        self.image = icfix.fixture(name, FIXTURES[name])
        self.sysmap = {}
        self.types = {}  # name -> its System.map type letters
        with open(icfix.fixture(name, "System.map"), encoding="latin-1") as f:
            for line in f:
                p = line.split()
                if len(p) >= 3:
                    self.sysmap.setdefault(p[2], set()).add(int(p[0], 16))
                    self.types[p[2]] = self.types.get(p[2], "") + p[1]
        with open(icfix.fixture(name, "truth/version"), "rb") as f:
            self.banner = f.read().rstrip(b"\n") + b"\n\0"
        d = os.path.join(work, name + ".clean")
        os.makedirs(d, exist_ok=True)
        out, rep = os.path.join(d, "p.json"), os.path.join(d, "r.json")
        r = subprocess.run([binary, self.image, "-o", out, "--report", rep, "--force", "-q"],
                           capture_output=True, timeout=timeout)
        if r.returncode:
            raise RuntimeError(f"{name}: the clean image exits {r.returncode}: {r.stderr[-600:]!r}")
        with open(rep) as f:
            self.report = json.load(f)
        with open(out, "rb") as f:
            self.clean_sha = hashlib.sha256(f.read()).hexdigest()
        isf = load_isf(out)
        self.clean_syms = {n: s.get("address") for n, s in isf["symbols"].items()}
        self.clean_types = types_hash(isf)
        ok, why = self.judge_isf(isf)
        if not ok:
            raise RuntimeError(f"{name}: the clean profile is not right: {why}")
        self.layout = Layout(self.image)
        self.regions = self.find_regions()
        self.needed = volatility_names()

    def judge_isf(self, isf):
        """(True, "") for a right profile, else (False, what was wrong)."""
        syms = isf.get("symbols", {})
        wrong = []
        for n, s in syms.items():
            a = s.get("address")
            if n in self.sysmap:
                if a not in self.sysmap[n]:
                    wrong.append(f"{n} at {hx(a)}, System.map {hx(min(self.sysmap[n]))}")
            elif hasattr(self, "clean_syms") and self.clean_syms.get(n, -1) != a:
                wrong.append(f"{n} at {hx(a)}: not in System.map" +
                             (f" (clean {hx(self.clean_syms[n])})" if n in self.clean_syms else ""))
        cd = syms.get("linux_banner", {}).get("constant_data")
        banner = base64.b64decode(cd) if cd else None
        if banner != self.banner:
            if banner:
                i = next((j for j, (a, b) in enumerate(zip(banner, self.banner)) if a != b),
                         min(len(banner), len(self.banner)))
                wrong.insert(0, f"banner differs from truth at byte {i}: ...{banner[max(0, i - 24):i + 24]!r}")
            else:
                wrong.insert(0, "no linux_banner constant_data")
        if hasattr(self, "clean_types") and types_hash(isf) != self.clean_types:
            wrong.insert(0, "types differ from the clean profile's")
        if wrong:
            return False, f"{len(wrong)} wrong: " + "; ".join(wrong[:4])
        return True, ""

    def find_regions(self):
        """[(region name, [(file offset, length)], kind)]: what to damage."""
        rep, L, regs = self.report, self.layout, []

        def span(name, phys, size, kind="bytes"):
            o = L.off(phys, size)
            if o is not None and size > 0:
                regs.append((name, [(o, size)], kind))

        if rep.get("btf"):
            span("btf", int(rep["btf"]["phys"], 16), rep["btf"]["size"])
        for t, v in ((rep.get("kallsyms") or {}).get("tables") or {}).items():
            span(t, int(v["phys"], 16), v["size"])
        with open(self.image, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            rel = (self.report.get("kernel") or {}).get("release", "").encode()
            # every VMCOREINFO text (the note copy and the kernel's buffer), to its NUL
            copies = []
            for hit in re.finditer(re.escape(b"OSRELEASE=" + rel + b"\n"), m):
                end = m.find(b"\0", hit.start(), hit.start() + 8192)
                copies.append((hit.start(), (end if end > 0 else hit.start() + 4096) - hit.start()))
            if copies:
                regs.append(("vmcoreinfo", copies, "vmcoreinfo"))
            banners = [(h.start(), len(self.banner) - 1) for h in
                       re.finditer(re.escape(self.banner[:-2]), m)]
            if banners:
                regs.append(("banner", banners, "banner"))
            k = rep.get("kaslr") or {}
            pt = k.get("page_tables") or {}
            if pt.get("root"):
                ents = self.pt_entries(m, int(pt["root"], 16), int(k["runtime_text"], 16),
                                       pt.get("levels", 4), bool(k.get("arch") or "arm64" in self.name))
                if ents:
                    regs.append(("page_tables", ents, "bytes"))
        for off, n, name in L.headers:
            regs.append((name, [(off, n)], "bytes"))
        return regs

    def pt_entries(self, m, root, va, levels, arm64):
        """The 8-byte table entries that translate va (x86-64: 4/5 levels), as file spans;
        arm64: the root table page (its walk is not modelled here)."""
        L = self.layout
        if arm64:
            o = L.off(root, 4096)
            return [(o, 4096)] if o is not None else []
        out, table = [], root
        for lvl in range(levels, 0, -1):
            idx = (va >> (12 + 9 * (lvl - 1))) & 511
            o = L.off(table + 8 * idx, 8)
            if o is None:
                break
            out.append((o, 8))
            e, = struct.unpack_from("<Q", m, o)
            if not e & 1 or (lvl in (2, 3) and e & 0x80):
                break
            table = e & 0x000FFFFFFFFFF000
        return out


def hx(a):
    return f"{a:#x}" if isinstance(a, int) else repr(a)


def load_isf(path):
    with open(path) as f:
        return json.load(f)


def types_hash(isf):
    h = hashlib.sha256()
    for k in ("base_types", "user_types", "enums"):
        h.update(json.dumps(isf.get(k), sort_keys=True).encode())
    return h.hexdigest()


# ---------------------------------------------------------------- mutations

def mutate(rng, fx, img, only=None):
    """Pick region and op; return (region, op, description, [(file offset, new bytes)])."""
    regions = [r for r in fx.regions if not only or r[0] in only]
    name, spans, kind = rng.choice(regions or fx.regions)
    off, n = rng.choice(spans)
    if kind == "vmcoreinfo" and rng.random() < 0.7:
        text = img[off:off + n]
        lines = [(mt.start(), mt.group(1), mt.group(2)) for mt in
                 re.finditer(rb"([A-Z_a-z0-9()]+)=([0-9a-fA-F]+)\n", text)]
        if lines:
            if rng.random() < 0.3:
                ko = [ln for ln in lines if ln[1] == b"KERNELOFFSET"]
                if ko:
                    at, key, val = ko[0]
                    new = b"%x" % ((int(val, 16) + 0x200000) & ((1 << 64) - 1))
                    if len(new) == len(val):
                        p = off + at + len(key) + 1
                        return name, "vi_kerneloffset", f"KERNELOFFSET {val.decode()} -> {new.decode()} " \
                            f"(copy at file {off:#x})", [(p, new)]
            at, key, val = rng.choice(lines)
            i = rng.randrange(len(val))
            d = rng.choice([c for c in b"0123456789abcdef" if c != val[i]])
            p = off + at + len(key) + 1 + i
            return name, "vi_hexdigit", f"{key.decode()}={val.decode()}: digit {i} -> {chr(d)} " \
                f"(copy at file {off:#x})", [(p, bytes([d]))]
    if kind == "banner" and rng.random() < 0.6:
        # anywhere in the line after "Linux version ": the release (checked against
        # VMCOREINFO's OSRELEASE) and the rest (user@host, compiler, build: D5's case)
        rel = len(b"Linux version ")
        i = off + rel + rng.randrange(n - rel - 1)
        old = img[i]
        d = rng.choice([c for c in b"0123456789abcdefghijklmnopqrstuvwxyz" if c != old])
        return name, "banner_char", f"banner copy at file {off:#x}: byte {i - off} " \
            f"{chr(old)!r} -> {chr(d)!r}", [(i, bytes([d]))]
    op = rng.choice(["bitflip", "bitflip", "byte", "word", "nudge", "zero16"])
    i = off + rng.randrange(n)
    if op == "bitflip":
        b = rng.randrange(8)
        return name, op, f"file {i:#x} (+{i - off:#x}) bit {b}", [(i, bytes([img[i] ^ (1 << b)]))]
    if op == "byte":
        v = rng.randrange(256)
        return name, op, f"file {i:#x} (+{i - off:#x}) = {v:#04x}", [(i, bytes([v]))]
    if op == "zero16":
        i = max(off, min(i, off + n - 16))
        return name, op, f"file {i:#x} (+{i - off:#x}) 16 zero bytes", [(i, bytes(min(16, n)))]
    i = off + ((i - off) & ~7)
    if i + 8 > off + n:
        i = off
    if n < 8:
        return name, "byte", f"file {i:#x} = 0xff", [(i, b"\xff")]
    old, = struct.unpack_from("<Q", img, i)
    if op == "word":
        new = rng.getrandbits(64)
    else:  # small nudge: an entry/offset/pointer that still looks plausible
        new = (old + rng.choice([1, 2, 4, 8, 0x1000, 0x200000, -1, -8, -0x1000])) & ((1 << 64) - 1)
    return name, op, f"file {i:#x} (+{i - off:#x}) {old:#x} -> {new:#x}", [(i, struct.pack("<Q", new))]


# ---------------------------------------------------------------- one run

class Worker:
    """One private copy of each fixture's image (created lazily), mutated in place."""

    def __init__(self, wid, work):
        self.dir = os.path.join(work, f"w{wid}")
        os.makedirs(self.dir, exist_ok=True)
        self.copies = {}

    def copy(self, fx):
        if fx.name not in self.copies:
            p = os.path.join(self.dir, fx.name + os.path.splitext(fx.image)[1])
            shutil.copyfile(fx.image, p)
            f = open(p, "r+b")
            self.copies[fx.name] = (p, f, mmap.mmap(f.fileno(), 0))
        return self.copies[fx.name]


def run_one(args, fx, worker, k, region, op, desc, edits):
    path, _, m = worker.copy(fx)
    saved = [(o, bytes(m[o:o + len(b)])) for o, b in edits]
    btf_span = next((sp[0] for r, sp, _k in fx.regions if r == "btf"), None) if region == "btf" else None
    clean_blob = bytes(m[btf_span[0]:btf_span[0] + btf_span[1]]) if btf_span else b""
    for o, b in edits:
        m[o:o + len(b)] = b
    m.flush()
    outdir = os.path.join(worker.dir, "out")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    out = os.path.join(outdir, "p.json")
    res = {"run": k, "fixture": fx.name, "region": region, "op": op, "mutation": desc}
    t0 = time.monotonic()
    try:
        p = subprocess.Popen([args.bin, path, "-o", out, "-q"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = p.communicate(timeout=args.timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            rc, err = None, b""
        res["secs"] = round(time.monotonic() - t0, 1)
        res["exit"] = rc
        left = sorted(os.listdir(outdir))
        if rc is None:
            res["verdict"], res["why"] = "hang", f"no exit within {args.timeout} s"
        elif rc < 0:
            res["verdict"], res["why"] = "crash", f"signal {-rc}: {err[-300:]!r}"
        elif any(s in err for s in SANITIZER_MARKS):
            res["verdict"], res["why"] = "crash", f"sanitizer report (exit {rc}): {err[-400:]!r}"
        elif rc in (2, 3):
            res["verdict"] = "failed-cleanly" if not left else "left-files"
            res["why"] = err.decode(errors="replace").strip().splitlines()[-1][:200] if err.strip() else ""
            if left:
                res["why"] = f"files left after exit {rc}: {left}"
        elif rc != 0:
            res["verdict"], res["why"] = "bad-exit", f"exit {rc}: {err[-300:]!r}"
        else:
            with open(out, "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            if sha == fx.clean_sha:
                res["verdict"] = "right"
            else:
                good, why = fx.judge_isf(load_isf(out))
                res["verdict"], res["why"] = ("right", "profile differs from the clean one, still right") \
                    if good else ("wrong", why)
    finally:
        for o, b in saved:
            m[o:o + len(b)] = b
        m.flush()
    if res["verdict"] == "wrong" and region == "btf" and btf_span:
        o, n = btf_span
        bad_blob = bytearray(clean_blob)
        for eo, b in edits:
            for j, x in enumerate(b):
                if o <= eo + j < o + n:
                    bad_blob[eo + j - o] = x
        layout = btf_layout_only(clean_blob, bytes(bad_blob))
        if btf_rename_only(clean_blob, bytes(bad_blob), fx.needed):
            res["known"] = NOT_DETECTABLE[("btf", "rename")]
            return res
        if layout:
            res["known"] = NOT_DETECTABLE[("btf", layout)]
            return res
    if res["verdict"] == "wrong" and region == "kallsyms_names" and \
            names_rename_undetectable(fx, load_isf(out)):
        res["known"] = NOT_DETECTABLE[("kallsyms_names", "rename-in-order")]
        return res
    if res["verdict"] == "wrong" and region == "kallsyms_token_table" and \
            token_renames_undetectable(fx, load_isf(out)):
        res["known"] = NOT_DETECTABLE[("kallsyms_token_table", "rename-in-order")]
        return res
    if res["verdict"] == "wrong":
        key = next((c for c in ((region, op), (region, "*")) if c in KNOWN_UNTIL_FIXED or c in NOT_DETECTABLE),
                   None)
        if key:
            res["known"] = KNOWN_UNTIL_FIXED.get(key) or NOT_DETECTABLE.get(key)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--fixtures", default=",".join(FIXTURES))
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--budget", type=float, default=0, help="stop starting runs after this many seconds")
    ap.add_argument("--regions", help="only these regions (comma-separated names as printed)")
    ap.add_argument("--min-runs", type=int, default=1,
                    help="fail when fewer runs than this finished (a --budget spent on setup)")
    ap.add_argument("--keep", help="write the results (JSON lines) here")
    ap.add_argument("--bin", default=icfix.BIN)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="mutate.", dir=icfix.BUILD)
    t_start = time.monotonic()
    try:
        fxs = []
        for name in args.fixtures.split(","):
            fxs.append(Fixture(name, work, args.bin, args.timeout))
            print(f"{name}: {len(fxs[-1].regions)} regions: " +
                  ", ".join(f"{r[0]}({len(r[1])})" for r in fxs[-1].regions), flush=True)
        rng = random.Random(args.seed)
        # the whole plan from the seed first, so a run's mutation does not depend on timing
        plan = []
        readers = {}
        for k in range(args.runs):
            fx = rng.choice(fxs)
            if fx.name not in readers:
                f = open(fx.image, "rb")
                readers[fx.name] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            plan.append((k, fx) + mutate(rng, fx, readers[fx.name],
                                         set(args.regions.split(",")) if args.regions else None))
        workers = [Worker(i, work) for i in range(args.jobs)]
        free = list(workers)
        lock = threading.Lock()
        results, skipped = [], 0

        def task(item):
            with lock:
                w = free.pop()
            try:
                return run_one(args, item[1], w, *item[:1], *item[2:])
            finally:
                with lock:
                    free.append(w)

        with cf.ThreadPoolExecutor(args.jobs) as ex:
            futs = []
            for item in plan:
                futs.append(ex.submit(task, item))
            for fu in futs:
                try:
                    r = fu.result()
                except cf.CancelledError:
                    continue
                results.append(r)
                if args.verbose or r["verdict"] not in ("right", "failed-cleanly"):
                    print(json.dumps(r), flush=True)
                if args.budget and time.monotonic() - t_start > args.budget:
                    for f in futs:
                        f.cancel()
            skipped = sum(f.cancelled() for f in futs)
        if args.keep:
            with open(args.keep, "w") as f:
                for r in results:
                    f.write(json.dumps(r) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    by = {}
    for r in results:
        v = r["verdict"] + ("(known)" if r.get("known") else "")
        by[v] = by.get(v, 0) + 1
    print(f"{len(results)} runs (seed {args.seed}, {time.monotonic() - t_start:.0f} s" +
          (f", {skipped} not started: --budget reached" if skipped else "") + "): " +
          ", ".join(f"{v} {n}" for v, n in sorted(by.items())))
    per = {}
    for r in results:
        s = per.setdefault((r["region"], r["op"]), [0, 0, 0])
        s[0] += 1
        s[1] += r["verdict"] == "right"
        s[2] += r["verdict"] == "wrong"
    if args.verbose:
        for (reg, op), (n, good, bad) in sorted(per.items()):
            print(f"  {reg:28s} {op:16s} runs {n:4d} right {good:4d} wrong {bad:4d}")
    bad = [r for r in results if r["verdict"] not in ("right", "failed-cleanly") and not r.get("known")]
    for r in bad:
        print(f"FINDING: {r['verdict']}: {r['fixture']} {r['region']}/{r['op']}: {r['mutation']}: {r.get('why')}",
              file=sys.stderr)
    if len(results) < args.min_runs:
        print(f"FAIL: only {len(results)} runs finished (--min-runs {args.min_runs})", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
