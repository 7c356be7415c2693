#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic ELF core for the makedumpfile-written samples in tests/data/kdump (see its README).
tests/unit/test_kdump_real.c computes the same bytes (src_byte) and checks every byte the reader
returns, the ranges and the absent pages.

The core is laid out the way makedumpfile reads one (as tests/scripts/test_makedumpfile.py writes
it): program headers right after the ELF header, one PT_NOTE (a zeroed NT_PRSTATUS), one PT_LOAD
per range with p_paddr = physical address. No VMCOREINFO: with one, makedumpfile wants the kernel's
mem_map even at dump level 1; without, dump level 1 works (31 does not).

Ranges (4 KiB pages), with holes between them:
  0x1000     +0x9f000   159 pages
  0x100000   +0x100000  256 pages
  0x4000000  +0x80000   128 pages
  0x7ff0000  +0x10000   16 pages, ends at 128 MiB (max_mapnr 0x8000: one block per bitmap)

Page kinds by pfn (first match wins); mostly zero pages keep every codec's output small (snappy
needs some 200 bytes for any 4 KiB page). makedumpfile -d 1 ("exclude zero pages") still marks a
zero page dumped, with a descriptor of the one shared zero page (24 bytes per page): the pages
absent from the dump are those outside the ranges.
  (pfn >> 3) % 10 != 4   all zero: the rest are 6 runs of 8 pages,
  or pfn % 7 == 3        with single zero pages in them
  pfn == 0x4034          noise (each 8-byte word: le64 splitmix64 of its address): no codec
                         shrinks it, so makedumpfile stores it raw (descriptor flags 0)
  pfn == 0x115           first half noise, second half zero: compressed, but large
  otherwise              bytes 0-127: ((pfn * 131 + o * 7) ^ (pfn >> 3)) & 0xff, then
                         ((pfn + (o & 15)) * 29) & 0xff: compresses well
usage: kdumpsrc.py OUT.elf"""
import struct
import sys

RANGES = [(0x1000, 0x9f000), (0x100000, 0x100000), (0x4000000, 0x80000), (0x7ff0000, 0x10000)]
PAGE = 4096
NT_PRSTATUS_SIZE = 336  # x86-64 struct elf_prstatus; makedumpfile wants the note, not its contents
M64 = (1 << 64) - 1
NOISE, HALF_NOISE = 0x4034, 0x115


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def page(pfn):
    if (pfn >> 3) % 10 != 4 or pfn % 7 == 3:
        return bytes(PAGE)
    if pfn in (NOISE, HALF_NOISE):
        n = PAGE if pfn == NOISE else PAGE // 2
        noise = b"".join(struct.pack("<Q", splitmix64(pfn * PAGE + o)) for o in range(0, n, 8))
        return noise + bytes(PAGE - n)
    head = bytes(((pfn * 131 + o * 7) ^ (pfn >> 3)) & 0xFF for o in range(128))
    return head + bytes(((pfn + (o & 15)) * 29) & 0xFF for o in range(128, PAGE))


def pad4(b):
    return b + bytes(-len(b) % 4)


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    return struct.pack("<III", len(n), len(desc), ntype) + pad4(n) + pad4(desc)


def main():
    notes = note("CORE", 1, bytes(NT_PRSTATUS_SIZE))
    nph = len(RANGES) + 1
    note_off = 64 + 56 * nph
    data = (note_off + len(notes) + PAGE - 1) & ~(PAGE - 1)
    with open(sys.argv[1], "wb") as o:
        o.write(b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
                struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, nph, 0, 0, 0))
        o.write(struct.pack("<IIQQQQQQ", 4, 0, note_off, 0, 0, len(notes), len(notes), 0))
        at = data
        for phys, n in RANGES:
            o.write(struct.pack("<IIQQQQQQ", 1, 7, at, 0, phys, n, n, 0))
            at += n
        o.write(notes)
        o.write(bytes(data - note_off - len(notes)))
        for phys, n in RANGES:
            for pfn in range(phys // PAGE, (phys + n) // PAGE):
                o.write(page(pfn))


if __name__ == "__main__":
    main()
