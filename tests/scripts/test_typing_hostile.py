#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Symbol typing on a hostile BTF the validator accepts (a review's findings, 2026-12-07).

fx-deb12-6.1's BTF with anonymous types appended; the symdb rows that name anonymous types
(`__bpf_trace_tp_map_*`, `tk_core`, ...) make the typing index every anonymous struct, union and
enum by its flattened member names:
  1. a DAG: 33 anonymous structs, each with 3 unnamed members of the next (3^32 visits): the
     run never ended (killed after 30 s); now bounded by IC_MAX_ANON_VISITS;
  2. 20,000 anonymous `struct { X; }` around one anonymous 65,535-member union: 24.6 s; now
     each root stops at IC_MAX_ANON_VISITS;
  3. 4,400 anonymous `struct { Y; }` around a 4,000-member union (each root just under the
     per-type bound): the index stops at IC_MAX_ANON_INDEX_VISITS with one warning.
Every run: exit 0 (the types are valid), well under 20 s, and the unmodified BTF's control run
gives the same `tk_core` type as before.
"""
import json
import os
import shutil
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

FX = "fx-deb12-6.1"
KIND_STRUCT, KIND_UNION = 4, 5
FIXED = {1: 4, 3: 12, 14: 4, 17: 4}            # INT, ARRAY, VAR, DECL_TAG: bytes after the header
PER_VLEN = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}  # STRUCT, UNION, ENUM, FUNC_PROTO, DATASEC, ENUM64


def parse(d):
    magic, ver, flags, hdr, toff, tlen, soff, slen = struct.unpack_from("<HBBIIIII", d, 0)
    assert magic == 0xEB9F and hdr == 24
    types = d[hdr + toff:hdr + toff + tlen]
    strs = bytearray(d[hdr + soff:hdr + soff + slen])
    off = n = 0
    char = None
    while off < len(types):
        name, info = struct.unpack_from("<II", types, off)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        n += 1
        if kind == 1 and char is None and strs[name:strs.index(b"\0", name)] == b"char":
            char = n
        off += 12 + FIXED.get(kind, 0) + PER_VLEN.get(kind, 0) * vlen
    assert off == len(types)
    return (magic, ver, flags, hdr, toff, tlen, soff, slen), bytes(types), strs, n, char


def build(src, dst, add):
    """add(first_new_id, char_id, strs) -> bytes of new type records (may append to strs)."""
    d = open(src, "rb").read()
    (magic, ver, flags, hdr, toff, tlen, soff, slen), types, strs, n, char = parse(d)
    assert toff == 0 and soff == tlen
    new = add(n + 1, char, strs)
    out = d[:hdr] + types + new + strs
    out = bytearray(out)
    struct.pack_into("<HBBIIIII", out, 0, magic, ver, flags, hdr, 0, tlen + len(new), tlen + len(new),
                     len(strs))
    open(dst, "wb").write(out)


def rec(kind, vlen, size):
    return struct.pack("<III", 0, (kind << 24) | vlen, size)


def dag(first, char, strs):
    out = b""
    for k in range(33):
        vlen = 3 if k < 32 else 0
        out += rec(KIND_STRUCT, vlen, 0) + b"".join(struct.pack("<III", 0, first + k + 1, 0) for _ in range(vlen))
    return out


def shared_union(members, roots):
    def add(first, char, strs):
        names = []
        for i in range(members):
            names.append(len(strs))
            strs += b"hostile_m%d\0" % i
        out = rec(KIND_UNION, members, 1) + b"".join(struct.pack("<III", o, char, 0) for o in names)
        out += (rec(KIND_STRUCT, 1, 1) + struct.pack("<III", 0, first, 0)) * roots
        return out
    return add


def main():
    c = icfix.Counter()
    btf = icfix.fixture(FX, "truth/btf_vmlinux")
    smap = icfix.fixture(FX, "System.map")
    banner = open(icfix.fixture(FX, "truth/version")).read()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        def profile(b, label):
            out = os.path.join(tmp, label + ".json")
            if os.path.exists(out):
                os.unlink(out)
            t0 = time.monotonic()
            try:
                r = icfix.run("--btf", b, "--map", smap, "--banner", banner, "-o", out, check=False,
                              timeout=120)
            except Exception as e:  # subprocess.TimeoutExpired
                return None, 999.0, str(e), None
            dt = time.monotonic() - t0
            prof = json.load(open(out)) if r.returncode == 0 else None
            return r.returncode, dt, r.stderr.decode(errors="replace"), prof

        rc, dt, err, ctl = profile(btf, "control")
        c.check(rc == 0 and ctl and ctl["symbols"]["tk_core"]["type"].get("kind") == "struct", f"control: exit {rc}: {err[-300:]!r}",
                f"control: exit 0 in {dt:.2f} s")
        for label, add, warn in (("DAG of unnamed members (3^32 visits)", dag, None),
                                 ("20,000 roots around a 65,535-member union", shared_union(65535, 20000), None),
                                 ("4,400 roots around a 4,000-member union", shared_union(4000, 4400),
                                  "IC_MAX_ANON_INDEX_VISITS")):
            b = os.path.join(tmp, "h.btf")
            build(btf, b, add)
            rc, dt, err, prof = profile(b, "h")
            ok = rc == 0 and dt < 20 and (warn is None or warn in err)
            if ok and warn is None:
                # the appended types change nothing the rows name: the same tk_core type
                ok = prof["symbols"]["tk_core"].get("type") == ctl["symbols"]["tk_core"].get("type")
            elif ok:
                # the index stopped: no anonymous row is typed from a partial index (an
                # untyped symbol is written as void)
                ok = prof["symbols"]["tk_core"].get("type") == {"kind": "base", "name": "void"}
            c.check(ok, f"{label}: exit {rc} in {dt:.1f} s: {err[-300:]!r}",
                    f"{label}: exit 0 in {dt:.2f} s" + (f" ({warn} warning)" if warn else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
