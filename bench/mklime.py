#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bench input: a LiME image of SIZE GiB = a real guest's LiME + real-looking padding pages.

  mklime.py BASE.lime OUT.lime --gib N [--seed S]

Why: the fixtures are 256 MiB guests; the speed goals are per GiB (1, 4, 16 GiB). The base
image's ranges are copied as they are (one kernel, its real layout), then one more LiME range
starting at the next 1 GiB physical boundary above the base holds the padding, so the padding
never moves or hides a page of the guest. Padding pages look like a machine's page cache and
heap, not like a kernel: ~28 % zero pages (the base guest's share), the rest 4 KiB pages of
the shared libraries and data files of this host (/usr/lib/x86_64-linux-gnu, /usr/share),
a few per cent random bytes (encrypted or compressed data). Pages that hold "Linux version"
or a BTF magic are left out of the pool, so the padding adds no kernel candidate.

Fast enough for 16 GiB: the pool (64 MiB) is read once; each 64 MiB output block is the pool's
pages in a new order (seeded), written with one write().
"""
import argparse
import os
import random
import struct

PAGE = 4096
LIME_MAGIC = 0x4C694D45
POOL_PAGES = 16384  # 64 MiB
BLOCK_PAGES = 16384


def lime_ranges(path):
    """(start, end_inclusive, file_offset_of_data) of every range of a LiME file."""
    out = []
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        off = 0
        while off < size:
            f.seek(off)
            magic, ver, s, e = struct.unpack("<IIQQ", f.read(24))
            assert magic == LIME_MAGIC and ver == 1 and e >= s, "not a LiME v1 file"
            out.append((s, e, off + 32))
            off += 32 + e - s + 1
    return out


def pool(rng):
    """POOL_PAGES real-looking non-zero pages from files of this host."""
    files = []
    for root in ("/usr/lib/x86_64-linux-gnu", "/usr/share"):
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) >= PAGE:
                    files.append(p)
    files.sort()
    rng.shuffle(files)
    pages = []
    for p in files:
        try:
            with open(p, "rb") as f:
                data = f.read(64 * PAGE)
        except OSError:
            continue
        for i in range(0, len(data) - PAGE + 1, PAGE):
            pg = data[i:i + PAGE]
            if pg.count(0) == PAGE or b"Linux version" in pg or b"\x9f\xeb\x01" in pg:
                continue
            pages.append(pg)
        if len(pages) >= POOL_PAGES * 97 // 100:
            break
    while len(pages) < POOL_PAGES:
        pages.append(rng.randbytes(PAGE))
    return pages[:POOL_PAGES]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("--gib", type=int, required=True)
    ap.add_argument("--seed", type=int, default=15)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    ranges = lime_ranges(a.base)
    base_bytes = sum(e - s + 1 for s, e, _ in ranges)
    total = a.gib << 30
    assert total > base_bytes, "the base image is larger than the size asked for"
    pad_pages = (total - base_bytes) // PAGE
    top = max(e for _, e, _ in ranges) + 1
    pad_start = (top + (1 << 30) - 1) & ~((1 << 30) - 1)
    zero = bytes(PAGE)
    pages = pool(rng)
    with open(a.base, "rb") as f, open(a.out, "wb") as o:
        for s, e, data_off in ranges:
            o.write(struct.pack("<IIQQQ", LIME_MAGIC, 1, s, e, 0))
            f.seek(data_off)
            left = e - s + 1
            while left:
                chunk = f.read(min(left, 64 << 20))
                o.write(chunk)
                left -= len(chunk)
        o.write(struct.pack("<IIQQQ", LIME_MAGIC, 1, pad_start,
                            pad_start + pad_pages * PAGE - 1, 0))
        done = 0
        order = list(range(POOL_PAGES))
        while done < pad_pages:
            n = min(BLOCK_PAGES, pad_pages - done)
            rng.shuffle(order)
            # ~28 % zero pages, in runs as in a real guest (free memory is clustered)
            blk = []
            i = 0
            while len(blk) < n:
                if rng.random() < 0.038:
                    blk.extend([zero] * min(10, n - len(blk)))
                else:
                    blk.append(pages[order[i % POOL_PAGES]])
                    i += 1
            o.write(b"".join(blk))
            done += n


if __name__ == "__main__":
    main()
