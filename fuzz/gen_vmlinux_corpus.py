#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_vmlinux: tiny ELF32/ELF64 files of both byte orders with .text
# (holding a linux_banner), .BTF, .shstrtab and one PT_LOAD, plus hostile variants.
import os, struct, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "vmlinux")
BANNER = b"Linux version 9.9.9-test (x@y) #1 SMP\n\0"

def elf(is64, be, shnum_ext=False):
    e = "<>"[be]
    w = "Q" if is64 else "I"
    b = bytearray(0x1000)
    strs = b"\0.text\0.BTF\0.shstrtab\0"
    b[0:7] = b"\x7fELF" + bytes([2 if is64 else 1, 2 if be else 1, 1])
    hdr = struct.pack(e + "HHI" + w * 3 + "IHHHHHH", 2, 62, 1, 0, 0x100, 0x800, 0,
                      64 if is64 else 52, 56 if is64 else 32, 1, 64 if is64 else 40,
                      0 if shnum_ext else 4, 0xffff if shnum_ext else 3)
    b[16:16 + len(hdr)] = hdr
    if is64:
        ph = struct.pack(e + "IIQQQQQQ", 1, 5, 0x400, 0xffffffff82000000, 0, 0x100, 0x100, 0x1000)
    else:
        ph = struct.pack(e + "IIIIIIII", 1, 0x400, 0xc2000000, 0, 0x100, 0x100, 5, 0x1000)
    b[0x100:0x100 + len(ph)] = ph
    b[0x208:0x208 + len(BANNER)] = BANNER
    b[0x300:0x308] = b"\x9f\xeb\x01\x00BTF!"
    b[0x380:0x380 + len(strs)] = strs
    b[0x410:0x410 + len(BANNER)] = BANNER
    text = 0xffffffff81000000 if is64 else 0xc1000000
    secs = [(0, 0, 0, 0, 0, 4 if shnum_ext else 0, 3 if shnum_ext else 0),
            (1, 1, 6, text, 0x200, 64, 0), (7, 1, 0, 0, 0x300, 8, 0),
            (12, 3, 0, 0, 0x380, len(strs), 0)]
    for i, (name, typ, flags, addr, off, size, link) in enumerate(secs):
        sh = struct.pack(e + "II" + w * 4 + "II" + w * 2, name, typ, flags, addr, off, size, link, 0, 1, 0)
        o = 0x800 + i * len(sh)
        b[o:o + len(sh)] = sh
    return bytes(b[:0x800 + 4 * (64 if is64 else 40)])

os.makedirs(out, exist_ok=True)
files = {
    "elf64le.elf": elf(True, False), "elf64be.elf": elf(True, True),
    "elf32le.elf": elf(False, False), "elf32be.elf": elf(False, True),
    "elf64_extnum.elf": elf(True, False, True),
}
bad = bytearray(elf(True, False)); bad[0x800 + 128 + 32:0x800 + 128 + 40] = b"\xf0" + b"\xff" * 7
files["elf64_secsize_overflow.elf"] = bytes(bad)
bad = bytearray(elf(True, False)); bad[0x228:0x230] = b"AAAAAAAA"; bad[0x22f - 0x200 + 0x200:0x248] = b"A" * 25
files["elf64_banner_unterminated.elf"] = bytes(bad)
files["elf64_truncated.elf"] = elf(True, False)[:0x830]
files["not_elf.bin"] = b"\x9f\xeb\x01\x00" + b"\0" * 20
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
