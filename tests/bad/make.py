#!/usr/bin/env python3
"""Regenerate the crafted bad images in this folder (small, committed). Each file is named
<EXPECTED-ERROR>__<what>.<format>; tests/scripts/test_scan_bad.sh holds the message each must give."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = b"\xaa" * 64


def lime_hdr(s, e, magic=0x4C694D45, ver=1):
    return struct.pack("<IIQQ8x", magic, ver, s, e)


def ehdr(phnum, phoff=64, cls=2, data=1, etype=4, phentsize=56, shoff=0, shnum=0):
    ident = b"\x7fELF" + bytes([cls, data, 1, 0]) + b"\0" * 8
    return ident + struct.pack("<HHIQQQIHHHHHH", etype, 62, 1, 0, phoff, shoff, 0, 64,
                               phentsize, phnum, 64 if shnum else 0, shnum, 0)


def phdr(ptype, off, paddr, filesz, memsz=None):
    return struct.pack("<IIQQQQQQ", ptype, 0, off, paddr, paddr, filesz,
                       filesz if memsz is None else memsz, 0)


def elf(loads, notes=()):
    """loads: (paddr, data, filesz_override, memsz_override)"""
    n = len(loads) + len(notes)
    body_off = 64 + 56 * n
    ph = b""
    body = b""
    for (ntype, data) in notes:
        ph += phdr(4, body_off + len(body), 0, len(data))
        body += data
    for (paddr, data, fsz, msz) in loads:
        ph += phdr(1, body_off + len(body), paddr, len(data) if fsz is None else fsz,
                   msz if msz is not None else (len(data) if fsz is None else fsz))
        body += data
    return ehdr(n) + ph + body


def knote(name, ntype, desc):
    n = name + b"\0"
    return struct.pack("<III", len(n), len(desc), ntype) + n + b"\0" * (-len(n) % 4) + desc + b"\0" * (-len(desc) % 4)


KNOTES = knote(b"CORE", 4, b"\0" * 16)  # NT_TASKSTRUCT: only /proc/kcore writes it
PO = 0xffff888000000000                  # x86-64 PAGE_OFFSET without KASLR


def kcore(loads, notes=KNOTES):
    """/proc/kcore shape: PT_NOTE then PT_LOADs (vaddr, paddr, data or None = not in the copy, filesz
    [, p_offset instead of where data is put])."""
    n = 1 + len(loads)
    body_off = 64 + 56 * n
    body = notes
    ph = struct.pack("<IIQQQQQQ", 4, 0, body_off, 0, 0, len(notes), 0, 0)
    for vaddr, paddr, data, fsz, *at in loads:
        off = at[0] if at else body_off + len(body) if data is not None else 1 << 40
        ph += struct.pack("<IIQQQQQQ", 1, 7, off, vaddr, paddr, fsz, fsz, 4096)
        if data is not None:
            body += data
    return ehdr(n) + ph + body


CASES = {
    # LiME
    "ETRUNC__lime-header-truncated.lime": lime_hdr(0, 63) + PAGE + lime_hdr(0x1000, 0x103f)[:20],
    "ETRUNC__lime-payload-past-eof.lime": lime_hdr(0, 0xfff) + PAGE,
    "EFORMAT__lime-bad-magic-2nd-header.lime": lime_hdr(0, 63) + PAGE + lime_hdr(0x1000, 0x103f, magic=0x12345678) + PAGE,
    "EUNSUPP__lime-version-2.lime": lime_hdr(0, 63, ver=2) + PAGE,
    "EFORMAT__lime-end-before-start.lime": lime_hdr(0x2000, 0x1000) + PAGE,
    "EFORMAT__lime-whole-address-space.lime": lime_hdr(0, 0xffffffffffffffff) + PAGE,
    "EFORMAT__lime-overlapping-ranges.lime": lime_hdr(0x1000, 0x103f) + PAGE + lime_hdr(0x1020, 0x105f) + PAGE,
    "ETRUNC__lime-huge-range.lime": lime_hdr(0x100000, 0x7fffffffffffffff) + PAGE,
    # ELF
    "ETRUNC__elf-header-truncated.elf": ehdr(1)[:40],
    "EUNSUPP__elf-32bit.elf": ehdr(0, cls=1) + b"\0" * 64,
    "EUNSUPP__elf-big-endian.elf": ehdr(0, data=2) + b"\0" * 64,
    "EUNSUPP__elf-not-a-core.elf": ehdr(0, etype=2) + b"\0" * 64,
    "EFORMAT__elf-bad-phentsize.elf": ehdr(1, phentsize=32) + b"\0" * 64,
    "ETRUNC__elf-phdrs-past-eof.elf": ehdr(60000) + b"\0" * 64,
    "ELIMIT__elf-pn-xnum-too-many.elf": ehdr(0xffff, shoff=64, shnum=1) +
        struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 1000000, 0, 0),
    "EFORMAT__elf-filesz-over-memsz.elf": elf([(0, PAGE, None, 16)]),
    "ETRUNC__elf-load-past-eof.elf": elf([(0, PAGE, 1 << 40, 1 << 40)]),
    "EFORMAT__elf-load-wraps.elf": elf([(0xffffffffffffffc0, PAGE + PAGE, None, None)]),
    "ETRUNC__elf-note-past-eof.elf": ehdr(1) + phdr(4, 120, 0, 1 << 30),
    "ENOTFOUND__elf-no-loads.elf": elf([], notes=[(0, b"\0" * 12)]),
    # /proc/kcore copies
    "EFORMAT__kcore-paddr-beyond-52-bits.kcore": kcore([(PO + 0x1000, 1 << 60, PAGE, len(PAGE))]),
    "EFORMAT__kcore-vaddr-wraps.kcore": kcore([(0xffffffffffffffc0, 0x1000, PAGE + PAGE, 2 * len(PAGE))]),
    "EFORMAT__kcore-overlapping-ram.kcore": kcore([(PO + 0x1000, 0x1000, PAGE, len(PAGE)),
                                                   (PO + 0x1020, 0x1020, PAGE, len(PAGE))]),
    "EFORMAT__kcore-direct-map-not-kernel.kcore": kcore([(0x1000, 0x800, PAGE, len(PAGE))]),
    "ETRUNC__kcore-ram-missing.kcore": kcore([(0xffffffff81000000, 0x1000000, PAGE, len(PAGE)),
                                              (PO + 0x100000, 0x100000, None, 1 << 28),
                                              (PO + 0x1000, 0x1000, PAGE, len(PAGE))]),
    # an alias whose p_offset + p_filesz wraps: its piece landed on bytes no segment describes
    "EFORMAT__kcore-alias-offset-wraps.kcore": kcore([(PO + 0x1000, 0x1000, PAGE, len(PAGE)),
                                                      (0xffffffff81000000, 0x1000 + len(PAGE), None,
                                                       0x1000, (1 << 64) - 0x800)]),
    "ENOTFOUND__kcore-only-vmalloc.kcore": kcore([(0xffffc90000000000, 0xffffffffffffffff, None, 1 << 45)]),
    "EUNSUPP__kcore-zero-paddr-no-page-offset.kcore": kcore([(PO + 0x1000, 0, PAGE, len(PAGE)),
                                                             (PO + 0x2000, 0, PAGE, len(PAGE))]),
    "ELIMIT__kcore-too-many-aliases.kcore": kcore([(PO + 0x1000, 0x1000, PAGE, len(PAGE))] +
                                                  [(0xffffffff80000000 + i * 0x1000, 0x1000, b"\1" * 16, 16)
                                                   for i in range(300)]),
}


def main():
    for name, data in CASES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    print(f"{len(CASES)} files")


if __name__ == "__main__":
    main()
