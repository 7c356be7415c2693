#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Never a silently wrong profile, BTF part (issue 18 D6, D7), on fx-forky-7.2's real image.

The kernel's BTF is found in mem.elf by its bytes (truth/btf_vmlinux is the same blob), then:
D6a struct clocksource_base's size 24 -> 8472 (bits 0x2100: the members still end at 24);
D6b 4 KiB of 0xff in the string section (they become names);
D7  fx-deb12-6.1's BTF written over fx-forky-7.2's at __start_BTF (7.2 symbols, 6.1 types).
Each must end in a failure or a right profile (clocksource_base 24 bytes, every member name an
identifier, the 7.2 BTF): never exit 0 with the damage in the ISF.
"""
import json
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def btf_parts(blob):
    """(header length, type section offset/len, string section offset/len) of a raw BTF."""
    _magic, _ver, _flags, hl, to, tl, so, sl = struct.unpack_from("<HBBIIIII", blob, 0)
    return hl, hl + to, tl, hl + so, sl


def struct_record(blob, name):
    """Offset in blob of the size word of STRUCT `name` (kind 4)."""
    hl, to, tl, so, sl = btf_parts(blob)
    strs = blob[so:so + sl]
    want = strs.find(b"\0" + name.encode() + b"\0") + 1
    pos = to
    while pos < to + tl:
        no, info, _sz = struct.unpack_from("<III", blob, pos)
        kind, vlen = (info >> 24) & 0x1f, info & 0xffff
        if kind == 4 and no == want:
            return pos + 8
        extra = {1: 4, 14: 4, 17: 4, 3: 12, 4: 12 * vlen, 5: 12 * vlen, 15: 12 * vlen, 19: 12 * vlen,
                 6: 8 * vlen, 13: 8 * vlen}.get(kind, 0)
        pos += 12 + extra
    raise RuntimeError(f"no struct {name}")


def main():
    c = icfix.Counter()
    fx = "fx-forky-7.2"
    src = icfix.fixture(fx, "mem.elf")
    own = open(icfix.fixture(fx, "truth/btf_vmlinux"), "rb").read()
    other = open(icfix.fixture("fx-deb12-6.1", "truth/btf_vmlinux"), "rb").read()
    at = imgconv.find_copy(src, own)
    c.check(at > 0, "no whole copy of the kernel's BTF in mem.elf")
    if at <= 0:
        c.finish()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    img = os.path.join(tmp, "m.elf")
    out = os.path.join(tmp, "p.json")
    shutil.copyfile(src, img)

    def run(what, blob, check):
        with open(img, "r+b") as f:
            f.seek(at)
            f.write(blob)
        if os.path.exists(out):
            os.unlink(out)
        r = icfix.run(img, "-o", out, check=False)
        err = r.stderr.decode(errors="replace")
        if r.returncode == 0:
            msg = check(json.load(open(out)))
            c.check(msg is None, f"{what}: exit 0 with a wrong profile: {msg}")
        else:
            c.check(r.returncode in (2, 3) and not os.path.exists(out),
                    f"{what}: exit {r.returncode}, written {os.path.exists(out)}: {err[-600:]!r}")
        with open(img, "r+b") as f:
            f.seek(at)
            f.write(own[:len(blob)])
        return r.returncode, err

    def clocksource_ok(isf):
        t = isf["user_types"].get("clocksource_base")
        return None if t and t["size"] == 24 else f"clocksource_base {t and t['size']}"

    def names_ok(isf):
        bad = [m for t in isf["user_types"].values() for m in t["fields"] if not IDENT.match(m)]
        return None if not bad else f"{len(bad)} member names not identifiers, e.g. {bad[:2]!r}"

    def is_own(isf):
        return None if "clocksource_base" in isf["user_types"] else "not the 7.2 kernel's types"

    # D6a: a struct's size against its members.
    blob = bytearray(own)
    off = struct_record(blob, "clocksource_base")
    c.check(struct.unpack_from("<I", blob, off)[0] == 24, "clocksource_base is not 24 bytes in truth")
    struct.pack_into("<I", blob, off, 8472)
    rc, err = run("clocksource_base 8472", bytes(blob), clocksource_ok)
    c.check(rc != 0, f"D6a: exit {rc}: the damaged BTF was taken")
    c.check("__start_BTF" in err and "members end at byte 24" in err,
            f"D6a: no message naming the damage: {err[-400:]!r}")
    # D6b: 0xff in the string section.
    # ... from the name of clocksource_base's first member on, so member names are hit.
    blob = bytearray(own)
    _hl, _to, _tl, so, sl = btf_parts(blob)
    name = so + struct.unpack_from("<I", blob, struct_record(blob, "clocksource_base") + 4)[0]
    blob[name:name + 4096] = b"\xff" * 4096
    rc, err = run("4 KiB of 0xff in the strings", bytes(blob), names_ok)
    c.check(rc != 0, f"D6b: exit {rc}: the damaged BTF was taken")
    c.check("__start_BTF" in err and "is not a C identifier" in err,
            f"D6b: no message naming the name: {err[-400:]!r}")
    # D7: another kernel's BTF at __start_BTF.
    rc, err = run("fx-deb12-6.1's BTF at __start_BTF", other, is_own)
    c.check(rc == 3, f"D7: exit {rc} (want 3): {err[-600:]!r}")
    c.check("another kernel's" in err and "FUNC names" in err, f"D7: message: {err[-600:]!r}")
    shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
