#!/usr/bin/env python3
"""Convert a LiME or ELF core memory image to raw (file offset = physical address), or to
LiME cut in blocks (AVML-style: adjacent ranges, all-zero blocks left out), for tests.

Independent of the C readers on purpose, so the derived images check them. Raw: holes become
sparse zeros. --max-phys drops ranges at or above an address (ELF dumps carry the BIOS flash at
0xfffc0000, which would make a 4 GiB raw file of zeros).

usage: imgconv.py IN OUT [--max-phys ADDR] [--to raw|lime] [--block N]
"""
import argparse
import os
import struct
import sys


def lime_ranges(f, size):
    off = 0
    while off < size:
        f.seek(off)
        h = f.read(32)
        magic, ver, s, e = struct.unpack("<IIQQ", h[:24])
        if magic != 0x4C694D45 or ver != 1:
            raise SystemExit(f"lime: bad header at {off:#x}")
        n = e - s + 1
        yield s, off + 32, n
        off += 32 + n


def elf_ranges(f):
    f.seek(0)
    eh = f.read(64)
    if eh[4] != 2 or eh[5] != 1:
        raise SystemExit("elf: only ELF64 LE")
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    if phnum == 0xFFFF:
        shoff, = struct.unpack_from("<Q", eh, 40)
        f.seek(shoff + 44)
        phnum, = struct.unpack("<I", f.read(4))
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        ptype, _flags, off, _va, pa, filesz, _memsz = struct.unpack("<IIQQQQQ", f.read(48))
        if ptype == 1 and filesz:
            yield pa, off, filesz


def ranges(path):
    """[(phys, file offset, length)] of a LiME file's ranges or an ELF core's PT_LOADs with data."""
    with open(path, "rb") as f:
        magic = f.read(4)
        if magic == b"EMiL":
            return list(lime_ranges(f, os.fstat(f.fileno()).st_size))
        if magic == b"\x7fELF":
            return list(elf_ranges(f))
    raise SystemExit(f"{path}: neither LiME nor ELF core")


def file_offset(rs, phys):
    """File offset of the physical address phys in rs (what ranges() returns)."""
    for pa, off, n in rs:
        if pa <= phys < pa + n:
            return off + phys - pa
    raise RuntimeError(f"phys {phys:#x} not in the image")


def find_copy(path, blob):
    """File offset of the first whole copy of blob in the file at path, -1 if none. Its first
    page alone can occur earlier (a page cache copy of what was read from /sys, say)."""
    with open(path, "rb") as f:
        data = f.read()
    at = data.find(blob[:4096])
    while at >= 0 and data[at:at + len(blob)] != blob:
        at = data.find(blob[:4096], at + 1)
    return at


def to_lime(f, ranges, a):
    """Each range cut into --block sized LiME ranges; blocks of zeros are left out (holes)."""
    n = skipped = 0
    with open(a.out, "wb") as o:
        for phys, off, size in sorted(ranges):
            if a.max_phys is not None and phys >= a.max_phys:
                continue
            for b in range(0, size, a.block):
                ln = min(a.block, size - b)
                f.seek(off + b)
                data = f.read(ln)
                if data.count(0) == ln:
                    skipped += 1
                    continue
                o.write(struct.pack("<IIQQ8x", 0x4C694D45, 1, phys + b, phys + b + ln - 1))
                o.write(data)
                n += 1
    print(f"{a.out}: lime, {n} blocks, {skipped} zero blocks left out", file=sys.stderr)


def copy_range(f, off, o, at, n):
    """Copy n bytes from f at off to o at at, 16 MiB at a time."""
    f.seek(off)
    o.seek(at)
    while n:
        b = f.read(min(n, 1 << 24))
        if not b:
            raise SystemExit(f"{f.name}: short read at {off:#x}")
        o.write(b)
        n -= len(b)
        off += len(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--max-phys", type=lambda x: int(x, 0), default=None)
    ap.add_argument("--to", choices=["raw", "lime"], default="raw")
    ap.add_argument("--block", type=lambda x: int(x, 0), default=16 << 20)
    a = ap.parse_args()
    with open(a.inp, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        magic = f.read(4)
        if magic == b"EMiL":
            ranges = list(lime_ranges(f, size))
        elif magic == b"\x7fELF":
            ranges = list(elf_ranges(f))
        else:
            raise SystemExit("unknown input format")
        if a.to == "lime":
            return to_lime(f, ranges, a)
        end = 0
        with open(a.out, "wb") as o:
            for phys, off, n in sorted(ranges):
                if a.max_phys is not None and phys >= a.max_phys:
                    continue
                copy_range(f, off, o, phys, n)
                end = max(end, phys + n)
            o.truncate(end)
    print(f"{a.out}: raw, {len(ranges)} ranges, {end} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
