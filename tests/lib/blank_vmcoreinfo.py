#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copy a memory image with every VMCOREINFO text in it blanked (test-only transform): each
"OSRELEASE=" text up to its NUL is overwritten with zeros, as if the kernel's vmcoreinfo page
had been overwritten or never set up. Container notes (ELF PT_NOTE) are left alone; the caller
picks an image that has none (the QEMU arm64 fixture). Prints how many texts were blanked.

usage: blank_vmcoreinfo.py IN OUT
"""
import mmap
import shutil
import sys


def blank(m):
    """Zero every VMCOREINFO text in the writable mapping m; returns how many."""
    n = 0
    at = m.find(b"OSRELEASE=")
    while at >= 0:
        end = m.find(b"\0", at)
        if end < 0 or end - at > 1 << 16:
            end = at + len(b"OSRELEASE=")
        m[at:end] = bytes(end - at)
        n += 1
        at = m.find(b"OSRELEASE=", end)
    return n


def main():
    src, dst = sys.argv[1], sys.argv[2]
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        n = blank(m)
    print(n)


if __name__ == "__main__":
    main()
