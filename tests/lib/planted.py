#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A raw copy of a fixture with planted or removed evidence, for the tests that hold a System.map
against an image (test_trust_map.sh): kallsyms' tables zeroed, names renamed in place, copies of
VMCOREINFO's text with another KERNELOFFSET.

    planted.py FILE [--from FX:SRC] OP...

--from converts fixture FX's image SRC to a raw image at FILE (tests/lib/icfix.raw_kallsyms);
without it FILE is edited in place. The OPs apply in order:
    zero-kallsyms           the token table, token index and names of kallsyms (needs --from)
    rename:OLD:NEW          every OLD in the image becomes NEW (same length)
    copies:N:KO[:xtext]     N page-aligned copies of VMCOREINFO's text with KERNELOFFSET=KO
                            (hex) appended; xtext also renames their SYMBOL(_stext)
    stray:KO[:xtext]        one such copy on the page below 1 MiB (must be zeros)
The VMCOREINFO text is FX's truth/vmcoreinfo.txt, FX from --from or --fx FX.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icfix  # noqa: E402

STEXT, XTEXT = b"SYMBOL(_stext)=", b"SYMBOL(_xtext)="
STRAY_AT = 0x100000 - 4096


def usage():
    sys.exit(__doc__)


def vmcoreinfo(fx, ko, xtext):
    """fx's VMCOREINFO text with KERNELOFFSET=ko (hex string), SYMBOL(_stext) renamed if xtext."""
    t = b"".join(ln + b"\n" for ln in open(icfix.fixture(fx, "truth/vmcoreinfo.txt"), "rb")
                 .read().splitlines() if not ln.startswith(b"#"))
    i = t.find(b"\nKERNELOFFSET=")
    assert i >= 0, f"{fx}: no KERNELOFFSET in truth/vmcoreinfo.txt"
    j = t.index(b"\n", i + 1)
    t = t[:i + 1] + b"KERNELOFFSET=" + ko.encode() + t[j:]
    return t.replace(STEXT, XTEXT) if xtext else t


def rename(b, old, new):
    assert len(old) == len(new), f"rename {old!r}: not the same length as {new!r}"
    n, i = 0, b.find(old)
    while i >= 0:
        b[i:i + len(old)] = new
        n += 1
        i = b.find(old, i + 1)
    assert n, f"no {old!r} in the image"


def main(argv):
    if len(argv) < 2:
        usage()
    path, ops, fx, src = argv[0], [], None, None
    args = iter(argv[1:])
    for a in args:
        if a in ("--from", "--fx"):
            v = next(args, None) or usage()
            if a == "--from":
                fx, src = v.split(":", 1)
            else:
                fx = v
        else:
            ops.append(a)
    tabs = None
    if src:
        c = icfix.Counter()
        d = os.path.dirname(os.path.abspath(path))
        r = icfix.raw_kallsyms(c, fx, icfix.fixture(fx, src), d)
        if not r:
            sys.exit(f"planted.py: {fx}: no kallsyms in {src}")
        raw, _ks, tabs = r
        if os.path.abspath(raw) != os.path.abspath(path):
            os.replace(raw, path)
    b = bytearray(open(path, "rb").read())
    for op in ops:
        f = op.split(":")
        if f[0] == "zero-kallsyms" and tabs:
            for t in ("kallsyms_token_table", "kallsyms_token_index", "kallsyms_names"):
                at, n = tabs[t]
                b[at:at + n] = bytes(n)
        elif f[0] == "rename" and len(f) == 3:
            rename(b, f[1].encode(), f[2].encode())
        elif f[0] == "copies" and len(f) in (3, 4) and fx:
            t = vmcoreinfo(fx, f[2], f[3:] == ["xtext"])
            b += bytes(-len(b) % 4096)
            for _ in range(int(f[1])):
                b += t + bytes(4096 - len(t))
        elif f[0] == "stray" and len(f) in (2, 3) and fx:
            t = vmcoreinfo(fx, f[1], f[2:] == ["xtext"])
            assert b[STRAY_AT:STRAY_AT + 4096] == bytes(4096), "the page below 1 MiB is not zeros"
            b[STRAY_AT:STRAY_AT + len(t)] = t
        else:
            sys.exit(f"planted.py: bad or unusable op {op!r} (see --help)")
    open(path, "wb").write(b)


if __name__ == "__main__":
    main(sys.argv[1:])
