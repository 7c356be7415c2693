#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cut a kernel BTF down to the structs structure recovery reads, for fuzz_recover's seeds.

Recovery (src/5-symbols/recover/) asks the BTF only for member offsets: ic_rec_off(struct name,
member name) finds the STRUCT by name, skips typedefs/modifiers and looks into unnamed
struct/union members. A whole vmlinux BTF (4-6 MB) in every seed made libFuzzer's in-memory
corpus outgrow -rss_limit_mb=2048 (docs/security.md, "Campaign of issue 18"). This keeps every
STRUCT/UNION whose name is a string literal of the recovery sources, with all its members at
their offsets and names; a member's type becomes a stand-in of the same size (a named
struct/union, array or enum: a char array; a pointer: void *; an INT/FLOAT: a copy; an
unnamed member's struct/union: kept, recursively), so sizes and offsets, and hence the BTF
validator's semantic pass, are as in the real BTF. Everything else is dropped and the string
section holds only the names still used.

usage: btf_cut.py IN.btf OUT.btf [RECOVER_SRC_DIR]      (also imported by make_corpus_solvers.py)
"""
import glob
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RECOVER_SRC = os.path.join(os.path.dirname(HERE), "src", "5-symbols", "recover")

INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, PROTO, VAR, \
    DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(1, 20)
EXTRA = {INT: lambda v: 4, ARRAY: lambda v: 12, STRUCT: lambda v: 12 * v, UNION: lambda v: 12 * v,
         ENUM: lambda v: 8 * v, PROTO: lambda v: 8 * v, VAR: lambda v: 4, DATASEC: lambda v: 12 * v,
         DECL_TAG: lambda v: 4, ENUM64: lambda v: 12 * v}
SKIP = (TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG)


def parse(blob):
    magic, ver, flags, hdr_len, toff, tlen, soff, slen = struct.unpack_from("<HBBIIIII", blob, 0)
    if magic != 0xEB9F:
        raise ValueError("not a little-endian BTF blob")
    types = blob[hdr_len + toff:hdr_len + toff + tlen]
    strs = blob[hdr_len + soff:hdr_len + soff + slen]
    recs = [None]  # id 0 = void
    o = 0
    while o < len(types):
        name, info, su = struct.unpack_from("<III", types, o)
        kind, vlen, kflag = (info >> 24) & 0x1F, info & 0xFFFF, info >> 31
        n = 12 + EXTRA.get(kind, lambda v: 0)(vlen)
        recs.append((kind, vlen, kflag, name, su, types[o + 12:o + n]))
        o += n
    return recs, strs


def cstr(strs, off):
    return strs[off:strs.index(b"\0", off)].decode()


def wanted_names(src_dir):
    names = set()
    for path in glob.glob(os.path.join(src_dir, "*.c")):
        with open(path, encoding="utf-8") as f:
            names.update(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', f.read()))
    return names


def cut(blob, names):
    recs, strs = parse(blob)
    memo_size = {}

    def skip(t):
        while t and recs[t][0] in SKIP:
            t = recs[t][4]
        return t

    def size(t):
        t = skip(t)
        if t in memo_size:
            return memo_size[t]
        kind, vlen, kflag, name, su, extra = recs[t] if t else (0, 0, 0, 0, 0, b"")
        if kind in (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC):
            s = su
        elif kind == PTR:
            s = 8
        elif kind == ARRAY:
            elem, _, nelems = struct.unpack_from("<III", extra)
            s = size(elem) * nelems
        else:
            raise ValueError(f"type {t}: kind {kind} has no size")
        memo_size[t] = s
        return s

    out_types, out_strs, str_at, new_id = [], bytearray(b"\0"), {"": 0}, {}

    def s_off(text):
        if text not in str_at:
            str_at[text] = len(out_strs)
            out_strs.extend(text.encode() + b"\0")
        return str_at[text]

    def emit(rec):
        out_types.append(rec)
        return len(out_types)

    u8 = emit(struct.pack("<IIII", s_off("unsigned char"), INT << 24, 1, 8))
    u32 = emit(struct.pack("<IIII", s_off("unsigned int"), INT << 24, 4, 32))
    vptr = emit(struct.pack("<III", 0, PTR << 24, 0))
    arrays = {}

    def char_array(n):
        if n not in arrays:
            arrays[n] = emit(struct.pack("<IIIIII", 0, ARRAY << 24, 0, u8, u32, n))
        return arrays[n]

    def member_type(t, unnamed=False):
        t = skip(t)
        if not t:
            return 0
        kind, vlen, kflag, name, su, extra = recs[t]
        if kind in (INT, FLOAT):
            if t not in new_id:
                new_id[t] = emit(struct.pack("<III", s_off(cstr(strs, name)), kind << 24, su) + extra)
            return new_id[t]
        if kind == PTR:
            return vptr
        # an unnamed member (anonymous, or a named struct embedded with -fms-extensions on 7.x)
        # is looked into by recovery: kept whole
        if kind in (STRUCT, UNION) and (unnamed or name == 0 or t in keep):
            return struct_type(t)
        if kind in (ENUM, ENUM64):  # a bitfield of an enum: an INT of the same size
            key = ("enum", su)
            if key not in new_id:
                new_id[key] = emit(struct.pack("<IIII", s_off(f"enum{su} stand in"), INT << 24, su, su * 8))
            return new_id[key]
        return char_array(size(t))

    def struct_type(t):
        if t in new_id:
            return new_id[t]
        kind, vlen, kflag, name, su, extra = recs[t]
        # reserve the id first: a struct may reach itself only through pointers, but be safe
        new_id[t] = emit(None)
        members = b""
        for i in range(vlen):
            mname, mtype, moff = struct.unpack_from("<III", extra, 12 * i)
            members += struct.pack("<III", s_off(cstr(strs, mname)) if mname else 0,
                                   member_type(mtype, not mname), moff)
        info = (kind << 24) | (kflag << 31) | vlen
        out_types[new_id[t] - 1] = struct.pack("<III", s_off(cstr(strs, name)) if name else 0, info, su) + members
        return new_id[t]

    keep = {t for t in range(1, len(recs)) if recs[t][0] in (STRUCT, UNION) and recs[t][3]
            and cstr(strs, recs[t][3]) in names}
    for t in sorted(keep):
        struct_type(t)
    types = b"".join(out_types)
    hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(out_strs))
    return hdr + types + bytes(out_strs), len(keep)


def main():
    src = sys.argv[3] if len(sys.argv) > 3 else RECOVER_SRC
    with open(sys.argv[1], "rb") as f:
        blob = f.read()
    out, n = cut(blob, wanted_names(src))
    with open(sys.argv[2], "wb") as f:
        f.write(out)
    print(f"{sys.argv[2]}: {n} structs, {len(out)} bytes (from {len(blob)})")


if __name__ == "__main__":
    main()
