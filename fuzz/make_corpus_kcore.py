#!/usr/bin/env python3
"""Seeds for fuzz/corpus/kcore (and kcore-shaped seeds for fuzz/corpus/elf): small /proc/kcore
copies in the shapes fmt_kcore.c handles, plus the tests/bad/*.kcore files.
usage: make_corpus_kcore.py  (writes next to itself)"""
import glob
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PO = 0xffff888000000000
TEXT = 0xffffffff81000000
NOPHYS = (1 << 64) - 1


def note(name, ntype, desc):
    n = name + b"\0"
    return struct.pack("<III", len(n), len(desc), ntype) + n + b"\0" * (-len(n) % 4) + desc + b"\0" * (-len(desc) % 4)


def kcore(loads, notes, machine=62):
    n = 1 + len(loads)
    body_off = 64 + 56 * n
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 4, machine, 1, 0, 64, 0, 0, 64, 56, n, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 4, 0, body_off, 0, 0, len(notes), 0, 0)
    body = notes
    for vaddr, paddr, data, fsz in loads:
        off = body_off + len(body) if data is not None else 1 << 40
        ph += struct.pack("<IIQQQQQQ", 1, 7, off, vaddr, paddr, fsz, fsz, 4096)
        if data is not None:
            body += data
    return eh + ph + body


def seeds():
    ram = bytes((i * 7) & 0xff for i in range(0x2000))
    notes = note(b"CORE", 1, bytes(336)) + note(b"CORE", 4, bytes(64)) + \
        note(b"VMCOREINFO", 0, b"OSRELEASE=6.1.0\nPAGESIZE=4096\nKERNELOFFSET=0\n")
    x86 = [(TEXT, 0x1001000, ram[:0x1000], 0x1000), (0xffffc90000000000, NOPHYS, None, 1 << 45),
           (PO + 0x1000000, 0x1000000, ram, 0x2000), (0xffffea0000040000, NOPHYS, None, 0x1000)]
    arm = note(b"CORE", 4, bytes(16)) + note(b"VMCOREINFO", 0,
                                             b"NUMBER(PHYS_OFFSET)=0x40000000\nNUMBER(TCR_EL1_T1SZ)=0xc\n")
    yield "x86-text-alias-vmalloc", kcore(x86, notes)
    yield "x86-no-notes", kcore(x86, b"")
    yield "x86-alias-past-ram", kcore(x86 + [(0xffffffffc0000000, 0x1001800, ram, 0x2000)], notes)
    yield "arm64-zero-paddr", kcore([(0xffff98e227e00000, 0, ram[:0x1000], 0x1000),
                                     (0xfff0000000200000, 0, ram, 0x2000)], arm, machine=183)
    yield "x86-zero-paddr", kcore([(PO + 0x1000, 0, ram[:0x1000], 0x1000), (PO + 0x2000, 0, ram[:0x1000], 0x1000)], notes)


def main():
    for d in ("kcore", "elf"):
        os.makedirs(os.path.join(HERE, "corpus", d), exist_ok=True)
    for name, data in seeds():
        for d in ("kcore", "elf"):
            with open(os.path.join(HERE, "corpus", d, f"kcore-{name}"), "wb") as f:
                f.write(data)
    for p in glob.glob(os.path.join(HERE, "..", "tests", "bad", "*.kcore")):
        shutil.copy(p, os.path.join(HERE, "corpus", "kcore", "bad-" + os.path.basename(p)))


if __name__ == "__main__":
    main()
