#!/usr/bin/env python3
"""Regenerate the small seed corpora in fuzz/corpus/{lime,elf,banner,btfcand,vmcoreinfo}/.
Run from anywhere: python3 fuzz/make_corpus.py [SHARED_TESTDATA]. Seeds stay a few KB each."""
import glob
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "..", "shared", "testdata")

BANNER = (b"Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1)"
          b" 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)")
VCI = (b"OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\nSYMBOL(_stext)=ffffffff8a200000\n"
       b"SYMBOL(init_uts_ns)=ffffffff8bdfb000\nNUMBER(phys_base)=4194304\nKERNELOFFSET=9200000\n")


def btf(two=True):
    tlen = 28 if two else 16
    b = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, tlen, tlen, 5)
    b += struct.pack("<IIII", 1, 1 << 24, 4, 32)
    if two:
        b += struct.pack("<III", 0, 2 << 24, 1)
    return b + b"\0int\0"


def lime(ranges):
    out = b""
    for s, data in ranges:
        out += struct.pack("<IIQQ8x", 0x4C694D45, 1, s, s + len(data) - 1) + data
    return out


def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda x: x + b"\0" * ((4 - len(x) % 4) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def elf(segs):
    n = len(segs)
    off = 64 + 56 * n
    eh = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, n,
                                                          0, 0, 0)
    ph, body = b"", b""
    for t, pa, data in segs:
        ph += struct.pack("<IIQQQQQQ", t, 0, off + len(body), pa, pa, len(data), len(data), 0)
        body += data
    return eh + ph + body


def page(*items, size=4096):
    b = bytearray(size)
    for at, data in items:
        b[at:at + len(data)] = data
    return bytes(b)


def write(kind, name, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    mem = page((0x10, BANNER + b"\n\0"), (0x1000, VCI + b"\0"), (0x2008, btf()), size=0x3000)
    write("lime", "two-ranges", lime([(0x100000, mem[:0x1800]), (0x101800, mem[0x1800:])]))
    write("lime", "hole", lime([(0, mem[:0x1000]), (0x5000, mem[0x1000:])]))
    write("lime", "unsorted", lime([(0x2000, b"A" * 64), (0, b"B" * 64)]))
    write("elf", "note-and-loads", elf([(4, 0, note(b"VMCOREINFO", 0, VCI)), (1, 0x1000, mem),
                                        (1, 0x1800, mem[0x800:0x1000])]))
    write("elf", "kcore-like", elf([(1, 0xFFFFFFFFFFFFFFFF, b"x" * 32), (1, 0, mem[:0x100])]))
    write("banner", "exact", page((0x100, BANNER + b"\n\0")))
    write("banner", "dmesg-and-proc", page((0x40, BANNER + b"\0"), (0x300, BANNER + b"\nmore")))
    write("banner", "edge", page((4096 - 30, BANNER[:30])))
    write("btfcand", "one-type", btf(False))
    write("btfcand", "two-types", btf(True))
    write("btfcand", "truncated", btf(True)[:40])
    write("vmcoreinfo", "minimal", VCI)
    write("vmcoreinfo", "note-form", page((0x100, note(b"VMCOREINFO", 0, VCI))))
    for fx in ("fx-deb12-6.1", "fx-arm64-forky-7.2"):
        p = os.path.join(SHARED, fx, "truth", "vmcoreinfo.txt")
        if os.path.exists(p):
            text = b"".join(l for l in open(p, "rb") if not l.startswith(b"#"))
            write("vmcoreinfo", fx, text)
    for f in glob.glob(os.path.join(SRC, "tests", "bad", "*__*")):
        kind = "lime" if f.endswith(".lime") else "elf" if f.endswith(".elf") else None
        if kind:
            shutil.copy(f, os.path.join(HERE, "corpus", kind, "bad-" + os.path.basename(f)))


if __name__ == "__main__":
    main()
