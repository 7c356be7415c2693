#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic LiME source for tests/data/avml/avml-0.20.avml (the AVML file written by microsoft/avml
itself, `avml convert --source-format lime --format lime_compressed`). tests/unit/test_avml_real.c
computes the same bytes (avml_src_byte) and checks every byte the reader returns.

Ranges (inclusive LiME end = start + len - 1):
  0x1000     +0x9f000            one block
  0x2000000  +0x1000000          all zero: avml skips the block (a hole)
  0x8000000  +0x1000000+0x1000   first 16 MiB zero (skipped), then one 4 KiB block of data
  0x10000000 +0x3801             odd length, ends mid-page
usage: avmlsrc.py OUT.lime"""
import struct
import sys

RANGES = [(0x1000, 0x9f000), (0x2000000, 0x1000000), (0x8000000, 0x1001000), (0x10000000, 0x3801)]


def byte_at(a):
    # zero in the two all-zero 16 MiB pieces; elsewhere the first 64 bytes of each page vary
    if 0x2000000 <= a < 0x3000000 or 0x8000000 <= a < 0x9000000:
        return 0
    o = a & 0xfff
    if o >= 64:
        return 0
    return ((a >> 12) * 131 + o * 7 + (a >> 20)) & 0xff


def main():
    with open(sys.argv[1], "wb") as f:
        for start, n in RANGES:
            f.write(struct.pack("<IIQQQ", 0x4C694D45, 1, start, start + n - 1, 0))
            f.write(bytes(byte_at(start + i) for i in range(n)))


if __name__ == "__main__":
    main()
