#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A low bit flipped in kallsyms_offsets must not move a function silently (issue 18, D3).

One flipped low bit moves one symbol by a few bytes and the table stays sorted, so the
monotonic check cannot see it. x86-64 kernels with CONFIG_FUNCTION_PADDING (Debian 6.12, 7.2)
give every function X a padding symbol __pfx_X at a fixed distance before it (16 bytes); the
decoder now checks that distance for every pair. Here, on fx-forky-7.2 (E4, place-relative)
and fx-la57-6.12 (E3, abs-percpu) converted to raw: bit 1 of the entry of `vfs_read`, then of
`__pfx_vfs_read`, is flipped (the symbol moves by 2 bytes); each must give exit 3, an error
naming the function, and no output. Fails on the binary before the check (exit 0, vfs_read
2 bytes off System.map).

The same flip on the per-CPU variable `runqueues` (all three fixtures) moves it away from
__per_cpu_start + its offset in the BTF's .data..percpu DATASEC: exit 3 (fails before).
On fx-arm64-forky-7.2 (no __pfx_ symbols) the same flip leaves `vfs_read` unaligned, which no
arm64 function is (4-byte instructions): exit 3 too (fails before that check, exit 0).

What this does not catch (docs/security.md): the same flip on a data symbol other than the
per-CPU variables, bit 2 and above
of an arm64 function, or any symbol of an x86-64 kernel without __pfx_ symbols (6.1)."""
import json
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

FIXTURES = (("fx-forky-7.2", "mem.elf"), ("fx-la57-6.12", "mem.elf"), ("fx-arm64-forky-7.2", "mem.elf"))
TARGET = "vfs_read"
PERCPU = "runqueues"  # a per-CPU variable: checked against the BTF's .data..percpu DATASEC


def map_addr(path, name):
    hits = [int(p[0], 16) for p in (ln.split() for ln in open(path)) if len(p) >= 3 and p[2] == name]
    if len(hits) != 1:
        raise RuntimeError(f"{name}: {len(hits)} entries in System.map")
    return hits[0]


def slide(path):
    for ln in open(path):
        if ln.startswith("kaslr_virtual_slide="):
            return int(ln.split("=")[1].split()[0], 0)
    raise RuntimeError("no kaslr_virtual_slide")


def read(path, at, n):
    with open(path, "rb") as f:
        f.seek(at)
        return f.read(n)


def entry_of(raw, ks, phys_want, virt_want):
    """Index of the address-table entry that decodes to the wanted symbol address."""
    offs, size = (int(ks["tables"]["kallsyms_offsets"]["phys"], 0),
                  ks["tables"]["kallsyms_offsets"]["size"])
    n = size // 4
    vals = struct.unpack(f"<{n}i", read(raw, offs, 4 * n))
    if "place-relative" in ks["layout"]:
        hits = [i for i, v in enumerate(vals) if offs + 4 * i + v == phys_want]
    else:
        rb = struct.unpack("<Q", read(raw, int(ks["tables"]["kallsyms_relative_base"]["phys"], 0),
                                      8))[0]
        pc = "abs-percpu" in ks["layout"]
        hits = [i for i, v in enumerate(vals)
                if ((rb - 1 - v) if pc and v < 0 else (v if pc else rb + (v & 0xffffffff)))
                & (2**64 - 1) == virt_want]
    return offs, hits


def main():
    c = icfix.Counter()
    for fx, name in FIXTURES:
        src = icfix.fixture(fx, name)
        smap = icfix.fixture(fx, "System.map")
        sl = slide(icfix.fixture(fx, "truth/slide.txt"))
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
            got = icfix.raw_kallsyms(c, fx, src, tmp)
            if not got:
                continue
            raw, ks, _ = got
            delta = int(ks["virt_delta"], 0)
            arm = "arm64" in fx  # no __pfx_ symbols: the 4-byte instruction alignment instead
            for sym in ((TARGET,) if arm else (TARGET, "__pfx_" + TARGET)) + (PERCPU,):
                link = map_addr(smap, sym)
                # per-CPU symbols of x86-64 before 7.x are offsets from 0, never slid
                virt = link if link < 1 << 48 else (link + sl) & (2**64 - 1)
                offs, hits = entry_of(raw, ks, (virt - delta) & (2**64 - 1), virt)
                c.check(len(hits) == 1, f"{fx}: {sym}: {len(hits)} address-table entries (premise)")
                if len(hits) != 1:
                    continue
                at = offs + 4 * hits[0]
                old = read(raw, at, 1)
                with open(raw, "r+b") as f:  # patched in place, restored after the run
                    f.seek(at)
                    f.write(bytes([old[0] ^ 0x02]))  # bit 1: 2 bytes off, the table stays sorted
                out = os.path.join(tmp, "bad.json")
                r = icfix.run("-f", "-j", "2", raw, "-o", out, check=False)
                with open(raw, "r+b") as f:
                    f.seek(at)
                    f.write(old)
                err = r.stderr.decode(errors="replace")
                moved = None
                if r.returncode == 0 and os.path.exists(out):
                    got = json.load(open(out))["symbols"].get(sym, {}).get("address")
                    moved = got is not None and got != map_addr(smap, sym)
                c.check(r.returncode == 3, f"{fx}: {sym} offset bit 1 at {at:#x}: exit "
                        f"{r.returncode} (symbol moved in the profile: {moved})")
                c.check(not os.path.exists(out), f"{fx}: {sym}: output written")
                if sym == PERCPU:
                    c.check(f"'{PERCPU}'" in err and "where the BTF does not" in err,
                            f"{fx}: {sym}: the error does not name {PERCPU}: {err[-300:]!r}")
                else:
                    c.check(f"'{TARGET}'" in err and ("4-byte aligned" in err if arm else "__pfx_" in err),
                            f"{fx}: {sym}: the error does not name {TARGET}: {err[-300:]!r}")
                if r.returncode == 3:
                    print(f"ok: {fx}: {sym}: entry {hits[0]} at {at:#x} bit 1 flipped: refused")
                if os.path.exists(out):
                    os.unlink(out)
    c.finish()


if __name__ == "__main__":
    main()
