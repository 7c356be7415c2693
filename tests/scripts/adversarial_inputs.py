#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Crafted hostile inputs for tests/scripts/test_adversarial_*.sh and test_bad_fakes.sh.

  adversarial_inputs.py DIR NAME...            write DIR/NAME for each generated NAME below
  adversarial_inputs.py DIR fakes-raw BTF VERSION VMCOREINFO
  adversarial_inputs.py DIR fakes-lime LIME    (patches zero runs of a copy of a real LiME)
"""
import struct
import sys

SZ = 64 << 20


def fill(path, unit_fn, size=SZ):
    with open(path, "wb") as f:
        n = 0
        chunk = bytearray()
        i = 0
        while n < size:
            chunk += unit_fn(i)
            i += 1
            if len(chunk) >= 1 << 20:
                f.write(chunk[: size - n])
                n += min(len(chunk), size - n)
                chunk = bytearray()
        if chunk and n < size:
            f.write(chunk[: size - n])


def block(unit_fn, size):
    out = bytearray()
    i = 0
    while len(out) < size:
        out += unit_fn(i)
        i += 1
    return bytes(out[:size])


def btf_hdr(type_len, str_len):
    return struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, type_len, type_len, str_len)


# Bare BTF headers every 32 bytes, each claiming 32 MiB of types: the next header is read as
# the first type record (name offset 0x0001eb9f, outside 64 bytes of strings).
HDR32 = btf_hdr(32 << 20, 64) + b"\0" * 8


def plausible_btf(i, claim_types=4 << 20, claim_strs=256 << 10):
    """64 bytes: a header whose first record is a sane INT and whose strings start and end
    with NUL (zeros follow), so it passes every O(1) check; the walk then meets a zero record
    (kind 0) and fails. Claims claim_types + claim_strs bytes, all present in zeros."""
    h = btf_hdr(claim_types, claim_strs)
    rec = struct.pack("<IIII", 0, 1 << 24, 4, 32)  # INT, anonymous, 4 bytes, 32 bits
    return (h + rec).ljust(64, b"\0")


NESTED_STRS = (16 << 20) - 56  # = 8 mod 64: the last string byte is a zero of a later unit


def nested_btf(bad):
    h = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, 16, 16, NESTED_STRS)
    rec = struct.pack("<IIII", 1, 1 << 24, 4, 0xFF if bad else 32)  # INT "i", 4 bytes
    return (h + rec + b"\0i\0").ljust(64, b"\0")


def fake_banner(i, release=None):
    rel = release or b"6.%d.0-%d-amd64" % (i % 97, i)
    return b"Linux version %s (fake%d@x) (gcc) #%d SMP\n\0" % (rel, i, i)


def gen(d, name):
    p = f"{d}/{name}"
    if name == "btf-headers":
        fill(p, lambda i: HDR32)
    elif name in ("btf-nested", "btf-nested-bad"):
        # Every 64 bytes a blob claiming ~16 MiB (one INT, then strings covering the next
        # 262,000 blobs): each valid on its own ("btf-nested": a carver that validates and
        # hashes every candidate costs 1 Mi x 16 MiB), or each failing at its INT only after
        # the cheap checks ("btf-nested-bad": charged against the global budget).
        fill(p, lambda i: nested_btf(name == "btf-nested-bad"))
    elif name == "banners":
        fill(p, lambda i: b"Linux version 6.%d.0-%d-amd64 (x@y) (gcc) #1 SMP\n\0" % (i % 97, i))
    elif name == "ksym-anchors":
        fill(p, lambda i: b"".join(b"%d\0" % d for d in range(10)) + b"ab\0cd\0")
    elif name == "selfref-pt":
        # Every 8-byte word a present, writable, user entry pointing at its own page.
        fill(p, lambda page: struct.pack("<Q", (page << 12) | 0x67) * 512)
    elif name in ("btf-chain", "btf-cycle"):
        n, cycle = 1000000, name == "btf-cycle"
        strs = b"\0int\0s\0m\0"
        types = bytearray()
        for i in range(1, n + 1):
            nxt = (1 if cycle else n + 1) if i == n else i + 1
            types += struct.pack("<III", 0, 2 << 24, nxt)
        types += struct.pack("<IIII", 1, 1 << 24, 8, 64)
        types += struct.pack("<III", 5, (4 << 24) | 1, 8)
        types += struct.pack("<III", 7, 1, 0)
        open(p, "wb").write(btf_hdr(len(types), len(strs)) + bytes(types) + strs)
    elif name == "map":
        open(p, "w").write("ffffffff81000000 T _text\nffffffff82000000 D linux_banner\n")
    else:
        raise SystemExit(f"unknown input {name}")


def fakes(size, seed):
    """size bytes of fakes: bare BTF headers, plausible BTF headers and banners, in 4 KiB
    pages taking turns (page k: k % 3)."""
    out = bytearray()
    k = 0
    while len(out) < size:
        kind = k % 3
        if kind == 0:
            out += block(lambda i: HDR32, 4096)
        elif kind == 1:
            out += block(plausible_btf, 4096)
        else:
            out += block(lambda i: fake_banner(seed + k * 64 + i), 4096)
        k += 1
    return bytes(out[:size])


def pg(b):
    return b + b"\0" * (-len(b) % 4096)


def fake_vmcoreinfo(size):
    """size bytes of distinct, parseable VMCOREINFO texts, each after a NUL (as a carver must
    accept: OSRELEASE first, PAGESIZE, NUL-terminated) but with a few entries only."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += b"\0OSRELEASE=6.1.0-fake-%d\nPAGESIZE=4096\nKERNELOFFSET=%x\n" % (i, i << 21)
        i += 1
    return bytes(out[:size - 1]) + b"\0"


def fakes_raw(d, btf, version, vmci):
    """A sparse raw image with the real fx-deb12-6.1 pieces at their real physical addresses
    (so VMCOREINFO's image span holds the BTF): its VMCOREINFO text, 9.75 MiB of fakes around
    linux_banner at 0xb761900 and before the BTF at 0xbac1b88, then 4 MiB of fakes and zeros.
    Nothing else (no kallsyms). Prints where the real pieces are."""
    a = open(btf, "rb").read()
    v = open(version, "rb").read()
    # The truth file starts with a "# where it was read" comment line: not VMCOREINFO text.
    vi = b"".join(l for l in open(vmci, "rb").readlines() if not l.startswith(b"#"))
    btf_at, ban_at = 0xBAC1B88, 0xB761900
    # The fakes before each piece are in the same 8 MiB scan batch as that piece (batches
    # start at multiples of IC_SCAN_CHUNK here), so a carver keeping the first hits per batch
    # loses it: 7 MiB before the banner, 2.75 MiB more before the BTF.
    # 2 MiB of fake VMCOREINFO texts (~40,000, distinct) before the real one, same batch.
    parts = [(0x1000000, fake_vmcoreinfo(2 << 20)), (0x1200000, vi + b"\0"), (0xB000000, fakes(7 << 20, 0)), (ban_at, v + b"\0"),
             (0xB800000, fakes(0x2C0000, 1 << 20)), (btf_at, a), (0xC000000, fakes(4 << 20, 2 << 20))]
    with open(f"{d}/fakes-raw", "wb") as f:
        for at, data in parts:
            f.seek(at)
            f.write(data)
        f.truncate(0xC000000 + (9 << 20))
    print(f"btf 0x{btf_at:x} banner 0x{ban_at:x}")


def fakes_lime(d, lime):
    """A copy of the real fx-deb12-6.1 LiME with fakes written into free (all-zero) memory,
    >= 4 MiB before the kernel's BTF and banner and >= 4 MiB after them. The runs were found
    by scanning the fixture for zero pages (5-11 MiB each); the test checks they are zero."""
    patches = [(0x8DE000, 4608 << 10), (0x93EE000, 4608 << 10), (0xC954000, 9 << 20)]
    data = bytearray(open(lime, "rb").read())
    off, ranges = 0, []
    while off < len(data):
        magic, ver, s, e = struct.unpack_from("<IIQQ", data, off)
        assert magic == 0x4C694D45
        ranges.append((s, e - s + 1, off + 32))
        off += 32 + e - s + 1
    for n, (phys, size) in enumerate(patches):
        s, ln, fo = next(r for r in ranges if r[0] <= phys and phys + size <= r[0] + r[1])
        at = fo + phys - s
        # Leave the last 512 KiB of each run zero: the plausible fakes' strings end there.
        assert data[at:at + size + (512 << 10)] == bytes(size + (512 << 10)), f"0x{phys:x} is not free"
        data[at:at + size] = fakes(size, n << 20)
    open(f"{d}/fakes-lime", "wb").write(data)


if __name__ == "__main__":
    d, what = sys.argv[1], sys.argv[2:]
    if what[0] == "fakes-raw":
        fakes_raw(d, *what[1:4])
    elif what[0] == "fakes-lime":
        fakes_lime(d, what[1])
    else:
        for w in what:
            gen(d, w)
