#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bench input: write a kdump-compressed file ("KDUMP   ", header v6, zlib pages) of a raw image.

  mkkdump.py RAW OUT.kdump [--notes-from REAL.kdump]

Why: the real fixture kdump (makedumpfile -c -d 31 of a 256 MiB guest) decodes to 82 MB, too
small to tell per-image costs from per-byte costs. This makes a 1 GiB-class dump of the bench's
raw image the way `makedumpfile -c -d 1` lays one out (zero pages excluded, every page its own
zlib stream at level 1 = Z_BEST_SPEED, a page stored raw when zlib does not shrink it), with the
ELF-note area (and so VMCOREINFO) copied from a real dump of the same boot. Layout as in
makedumpfile's diskdump_mod.h (documented in src/1-image/fmt_kdump.c).
"""
import argparse
import struct
import zlib

BS = 4096


def real_notes(path):
    """The ELF-note area of a real kdump (sub-header offset_note/size_note)."""
    with open(path, "rb") as f:
        h = f.read(BS)
        assert h[:8] == b"KDUMP   "
        bs, = struct.unpack_from("<i", h, 428)
        f.seek(bs)
        s = f.read(104)
        off, size = struct.unpack_from("<QQ", s, 48)
        f.seek(off)
        return f.read(size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out")
    ap.add_argument("--notes-from")
    a = ap.parse_args()
    notes = real_notes(a.notes_from) if a.notes_from else b""
    with open(a.raw, "rb") as f:
        data = f.read()
    npages = len(data) // BS
    zero = bytes(BS)
    dumped = [data[p * BS:(p + 1) * BS] != zero for p in range(npages)]
    sub_blocks = 1 + (104 + len(notes) + BS - 1) // BS
    half_blocks = (npages + 8 * BS - 1) // (8 * BS)
    bm1 = bytearray(half_blocks * BS)
    bm2 = bytearray(half_blocks * BS)
    for p in range(npages):
        bm1[p // 8] |= 1 << (p % 8)
        if dumped[p]:
            bm2[p // 8] |= 1 << (p % 8)
    ndumped = sum(dumped)
    pd_off = (1 + sub_blocks + 2 * half_blocks) * BS
    data_off = pd_off + ndumped * 24

    hdr = bytearray(BS)
    hdr[0:8] = b"KDUMP   "
    struct.pack_into("<i", hdr, 8, 6)
    for i, s in enumerate([b"Linux", b"bench", b"", b"", b"x86_64", b"(none)"]):
        hdr[12 + 65 * i:12 + 65 * i + len(s)] = s
    struct.pack_into("<IiiIIIIIIi", hdr, 424, 0, BS, sub_blocks, 2 * half_blocks, npages,
                     npages, 0, 0, 0, 1)
    sub = bytearray(sub_blocks * BS)
    note_off = 2 * BS  # right after the first sub-header block's fixed part, in its own block
    struct.pack_into("<QiiQQQQQQQQQQQ", sub, 0, 0, 1, 0, 0, npages, 0, 0,
                     note_off if notes else 0, len(notes), 0, 0, 0, npages, npages)
    sub[BS:BS + len(notes)] = notes

    with open(a.out, "wb") as f:
        f.write(hdr)
        f.write(sub)
        f.write(bm1)
        f.write(bm2)
        descs = bytearray(ndumped * 24)
        f.seek(data_off)
        off = data_off
        i = 0
        for p in range(npages):
            if not dumped[p]:
                continue
            page = data[p * BS:(p + 1) * BS]
            z = zlib.compress(page, 1)
            if len(z) < BS:
                body, flags = z, 1
            else:
                body, flags = page, 0
            struct.pack_into("<QIIQ", descs, i * 24, off, len(body), flags, 0)
            f.write(body)
            off += len(body)
            i += 1
        f.seek(pd_off)
        f.write(descs)
    print(f"{a.out}: {npages} pages, {ndumped} dumped, {off} bytes")


if __name__ == "__main__":
    main()
