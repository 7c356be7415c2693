#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--dwarf on crafted DWARF that once gave a wrong profile with exit 0 (found by a review of the
converter): each must now end in exit 2 with one error line saying why, and a well-formed control
file must still convert (its bit-field where the compiler puts it).

  big-endian s390 vmlinux     a little-endian, x86-64-typed profile (bit-fields misplaced)
  big-endian aarch64          the same; the machine check alone passes aarch64, so this one is
                              refused by the byte-order check (s390 is refused by both)
  bit_offset 2^64-1           dbo + bit_size wrapped to 0: "inside its unit", offset 4
  location 0x1ffffffffffffff8 the bit position wrapped: offset 7, bit 7 of an 8-byte struct
  enumerator 0x100000001      cut to 1 in a 4-byte enum; 300 kept in a 1-byte enum
  upper_bound 0x1ffffffff     taken for -1 (its low 32 bits): a zero-length array
  bounds 9..3                 a zero-length array
and one that cost memory: a compressed .debug_info of 256 MiB of zeros (256 KB) was inflated
whole before anything was read (a 2 MB file took 2.1 GB); now its claimed size is checked
against IC_MAX_DWARF_INFLATE_RATIO first; the same for a GNU .zdebug_info ("ZLIB" + big-endian
size, which libdw inflates too: 1 GiB of zeros in a 1 MB file took 1 GB and 4 s, unchecked).
Each case's output is deleted before it runs, so one wrong exit 0 cannot fail every later case
with "output exists"."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import dwarfgen as dg  # noqa: E402
import icfix  # noqa: E402
from dwarfgen import D  # noqa: E402

INIT_TASK = 0xffffffff82a1aa40


def unit(*kids):
    return [D("cu", [("name", "a.c"), ("language", 12, "data1")], list(kids))]


def ulong():
    return D("base", [("name", "unsigned long"), ("byte_size", 8, "data1"), ("encoding", 7, "data1")],
             label="ul")


def foo(*members, size=8):
    return [D("struct", [("name", "foo"), ("byte_size", size, "data1"), ("decl_line", 3)], list(members),
              label="foo"),
            D("var", [("name", "init_task"), ("type", "foo"), ("external", 1), ("location", dg.addr(INIT_TASK))])]


def bitfield(loc, bit_offset, unit_size=4):
    return D("member", [("name", "flag"), ("type", "ul"), ("loc", loc), ("byte_size", unit_size),
                        ("bit_size", 1), ("bit_offset", bit_offset)])


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        smap = os.path.join(tmp, "System.map")
        with open(smap, "w") as f:
            f.write("ffffffff81000000 T _text\nffffffff82000000 D linux_banner\n%x D init_task\n" % INIT_TASK)
        ui = D("base", [("name", "unsigned int"), ("byte_size", 4, "data1"), ("encoding", 8, "data1")], label="ui")
        be_struct = [ui, D("struct", [("name", "foo"), ("byte_size", 4, "data1"), ("decl_line", 3)], [
            D("member", [("name", "a"), ("type", "ui"), ("loc", 0), ("byte_size", 4), ("bit_size", 3),
                         ("bit_offset", 0)])], label="foo"),
            D("var", [("name", "init_task"), ("type", "foo"), ("external", 1), ("location", dg.addr(INIT_TASK))])]
        intd = D("base", [("name", "int"), ("byte_size", 4, "data1"), ("encoding", 5, "data1")], label="int")

        def arr(label, *bounds):
            return D("array", [("type", "int")], [D("subrange", [("type", "int")] + list(bounds))], label=label)

        cases = [
            ("big-endian s390", unit(*be_struct), ">", 22, "only the DWARF of 64-bit little-endian"),
            ("big-endian aarch64", unit(*be_struct), ">", 183, "only the DWARF of 64-bit little-endian"),
            ("bit_offset 2^64-1", unit(ulong(), *foo(bitfield(0, (1 << 64) - 1))), "<", 62,
             "bit-field outside its unit"),
            ("location 0x1ffffffffffffff8", unit(ulong(), *foo(bitfield(0x1ffffffffffffff8, 0, 16))), "<", 62,
             "bit-field outside its unit"),
            ("enumerator 0x100000001 in a 4-byte enum",
             unit(intd, D("enum", [("name", "E4"), ("byte_size", 4, "data1"), ("decl_line", 1)],
                          [D("enumerator", [("name", "BIG"), ("const_value", 0x100000001)])]), *foo(size=8)),
             "<", 62, "does not fit the enum's 4 bytes"),
            ("enumerator 300 in a 1-byte enum",
             unit(intd, D("enum", [("name", "E1"), ("byte_size", 1, "data1"), ("decl_line", 1)],
                          [D("enumerator", [("name", "X300"), ("const_value", 300)])]), *foo(size=8)),
             "<", 62, "does not fit the enum's 1 bytes"),
            ("upper_bound 0x1ffffffff", unit(intd, arr("a", ("upper_bound", 0x1ffffffff)),
                                             *foo(D("member", [("name", "m"), ("type", "a"), ("loc", 0)]))),
             "<", 62, "array of 8589934592 elements"),
            ("bounds 9..3", unit(intd, arr("a", ("lower_bound", 9), ("upper_bound", 3)),
                                 *foo(D("member", [("name", "m"), ("type", "a"), ("loc", 0)]))),
             "<", 62, "array upper bound 3 below its lower bound 9"),
        ]
        # 256 MiB of zeros compressed to 256 KB: libelf inflated every such section whole
        cases.append(("compressed .debug_info of 256 MiB zeros", unit(ulong(), *foo(bitfield(0, 31))), "<",
                      62, "IC_MAX_DWARF_INFLATE_RATIO", 256 << 20))
        # the same as a GNU .zdebug_info: "ZLIB" + big-endian size, no SHF_COMPRESSED
        cases.append(("GNU .zdebug_info of 256 MiB zeros", unit(ulong(), *foo(bitfield(0, 31))), "<",
                      62, "IC_MAX_DWARF_INFLATE_RATIO", 256 << 20, True))
        # SHF_COMPRESSED (an Elf64_Chdr) on a section named .zdebug_info: libdw inflates it by
        # the flag; the ceiling looked at the flag only on .debug_* names and for the GNU header
        # on .zdebug_* ones, so this one escaped both (1 GB, 3 s for a 1 MB file)
        cases.append(("SHF_COMPRESSED .zdebug_info of 256 MiB zeros", unit(ulong(), *foo(bitfield(0, 31))),
                      "<", 62, "IC_MAX_DWARF_INFLATE_RATIO", 256 << 20, False, ".zdebug_info"))
        # ... and named .gnu.debuglto_.debug_info in a file with no plain debug section: libdw
        # takes it as a GNU LTO file and inflates that one too (the ceiling then looked only at
        # .debug_* and .zdebug_* names: 1 GB, 2.8 s for a 1 MB file)
        cases.append(("SHF_COMPRESSED .gnu.debuglto_.debug_info of 256 MiB zeros",
                      unit(ulong(), *foo(bitfield(0, 31))), "<", 62, "IC_MAX_DWARF_INFLATE_RATIO",
                      256 << 20, False, ".gnu.debuglto_.debug_info", ".gnu.debuglto_.debug_abbrev"))
        for what, dies, endian, machine, want, *zeros in cases:
            elf, out = os.path.join(tmp, "v.elf"), os.path.join(tmp, "v.json")
            if os.path.exists(out):
                os.unlink(out)
            dg.write(dies, elf, endian, machine, *zeros)
            r = icfix.run("--dwarf", elf, "--map", smap, "--banner", "Linux version 9.9.9 (x@y) #1", "-o", out,
                          check=False)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 2 and want in err and err.count("\n") == 1 and not os.path.exists(out),
                    f"{what}: exit {r.returncode}, want {want!r}: {err[-300:]!r}", f"{what}: {err.strip()[:160]}")
        # the control: a DWARF <= 4 bit-field at the unit's LSB (bit_offset 31 of a 4-byte unit),
        # plain and as a GNU .zdebug_info of sane ratio (the ceiling must not refuse it)
        for what, gnu in (("control", False), ("control, GNU .zdebug_info", True)):
            elf, out = os.path.join(tmp, "ok.elf"), os.path.join(tmp, "ok.json")
            if os.path.exists(out):
                os.unlink(out)
            dg.write(unit(ulong(), *foo(bitfield(0, 31))), elf, gnu=gnu)
            r = icfix.run("--dwarf", elf, "--map", smap, "--banner", "Linux version 9.9.9 (x@y) #1", "-o",
                          out, check=False)
            ok = r.returncode == 0
            if ok:
                fld = json.load(open(out))["user_types"]["foo"]["fields"]["flag"]
                ok = fld["offset"] == 0 and fld["type"]["bit_position"] == 0 and fld["type"]["bit_length"] == 1
            c.check(ok, f"{what}: exit {r.returncode}: {r.stderr[-300:]!r}", f"{what}: converted")
        # A supplementary DWARF file (dwz's .gnu_debugaltlink) naming a FIFO, and a DIE whose
        # name is in it (DW_FORM_GNU_strp_alt): libdw opened the FIFO and the run hung. Refused
        # before libdw reads anything: exit 2, one line, nothing opened.
        fifo = os.path.join(tmp, "alt.fifo")
        os.mkfifo(fifo)
        elf, out = os.path.join(tmp, "alt.elf"), os.path.join(tmp, "alt.json")
        dg.write([D("cu", [("name", "a.c"), ("language", 12, "data1")],
                    [D("base", [("name", 0, "GNU_strp_alt"), ("byte_size", 8, "data1"),
                                ("encoding", 7, "data1")])])],
                 elf, extra=[(".gnu_debugaltlink", fifo.encode() + b"\0" + bytes(20))])
        try:
            r = icfix.run("--dwarf", elf, "--map", smap, "--banner", "Linux version 9.9.9 (x@y) #1", "-o",
                          out, check=False, timeout=60)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 2 and "supplementary DWARF file" in err and err.count("\n") == 1
                    and not os.path.exists(out), f"dwz altlink: exit {r.returncode}: {err[-300:]!r}",
                    "a .gnu_debugaltlink naming a FIFO: refused, nothing opened")
        except subprocess.TimeoutExpired:
            c.check(False, "dwz altlink naming a FIFO: the run hung (60 s)")
        # A debug vmlinux over IC_MAX_VMLINUX_BYTES (4 GiB) but within IC_MAX_DWARF_FILE_BYTES
        # (8 GiB, docs/dwarf.md): read as an ELF file (sparse: 5 GiB of nothing after a broken
        # header), not refused by the wrong ceiling ("larger than the limit 4294967296").
        big = os.path.join(tmp, "big.elf")
        with open(big, "wb") as f:
            f.write(b"\x7fELF\x02\x01\x01" + bytes(57))
            f.truncate(5 << 30)
        r = icfix.run("--dwarf", big, "--map", smap, "--banner", "Linux version 9.9.9 (x@y) #1", "-o", out,
                      check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 2 and "larger than" not in err and "e_ehsize" in err and err.count("\n") == 1,
                f"5 GiB --dwarf file: exit {r.returncode}: {err[-300:]!r}",
                "a 5 GiB --dwarf file: read under the DWARF ceiling (8 GiB), its bad header named")
        os.unlink(big)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
