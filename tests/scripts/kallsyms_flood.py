#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a raw image for tests/scripts/test_kallsyms_flood.sh: BATCHES blocks of 8 MiB (one scan
batch each), each starting with PER_BATCH fake kallsyms token-table anchors ("0\\0" .. "9\\0",
packed), then the physical memory of a real LiME image (file offset = prefix + phys, holes
sparse), with every VMCOREINFO text blanked so nothing names the real tables.

Stored anchors per batch are capped (IC_CANDS_PER_STATE = 4096) and finish() used to look at no
more than IC_MAX_CANDIDATES = 65536 in all, so BATCHES=17 x PER_BATCH=4200 (71,400 fakes) hid
the real table.

usage: kallsyms_flood.py LIME OUT [BATCHES [PER_BATCH]]   prints the prefix size
"""
import mmap
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import blank_vmcoreinfo  # noqa: E402
import imgconv  # noqa: E402

ANCHOR = b"".join(bytes([0x30 + d, 0]) for d in range(10))
BATCH = 8 << 20


def main():
    lime, out = sys.argv[1], sys.argv[2]
    batches = int(sys.argv[3]) if len(sys.argv) > 3 else 17
    per = int(sys.argv[4]) if len(sys.argv) > 4 else 4200
    prefix = batches * BATCH
    with open(lime, "rb") as f, open(out, "wb") as o:
        for b in range(batches):
            o.seek(b * BATCH)
            o.write(ANCHOR * per)
        size = os.fstat(f.fileno()).st_size
        end = prefix
        for phys, off, n in imgconv.lime_ranges(f, size):
            imgconv.copy_range(f, off, o, prefix + phys, n)
            end = max(end, prefix + phys + n)
        o.truncate(end)
    with open(out, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        blanked = blank_vmcoreinfo.blank(m)
    if not blanked:
        raise SystemExit(f"{lime}: no VMCOREINFO text to blank")
    print(prefix, blanked)


if __name__ == "__main__":
    main()
