#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A raw image holding only a kernel's banner and its VMCOREINFO text (no kallsyms, no BTF, no
page tables), each on its own page after a zero page, then 1 MiB of zeros.

    pieces_image.py OUT truth/version truth/vmcoreinfo.txt
"""
import sys

out, ver, vmci = sys.argv[1:]
v = open(ver, "rb").read()
c = b"".join(ln + b"\n" for ln in open(vmci, "rb").read().splitlines() if not ln.startswith(b"#"))


def pg(b):
    return b + b"\0" * (-len(b) % 4096)


open(out, "wb").write(pg(b"\0" * 4096) + pg(c + b"\0") + pg(v + b"\0") + b"\0" * (1 << 20))
