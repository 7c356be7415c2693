#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Recovery's uniqueness rule must see every candidate (fx-deb12-6.1's real LiME, as a kernel
without CONFIG_KALLSYMS_ALL: --withhold-data-syms, so socket_file_ops is recovered from memory).

A copy of socket_file_ops is planted in the kernel image at phys 0xa700000 (.text), and 15 words
holding its first function pointer after it. The pattern scan kept the first 16 hits only: the
fake and the 15 decoys filled them, the real object was never looked at, and the fake was written
as "the one" (exit 0, socket_file_ops 0xffffffff81100000). Now a pattern with more than 16 image
copies gives none: socket_file_ops is left out, or, if written, at System.map's address."""
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402


def main():
    c = icfix.Counter()
    fx = "fx-deb12-6.1"
    lime = icfix.fixture(fx, "mem.lime")
    link, slide = icfix.system_map(fx), icfix.slide(fx)
    delta = int(json.loads(icfix.run("scan", "--json", lime).stdout)["kallsyms"]["virt_delta"], 16)

    def phys(name):
        return link[name] + slide - delta

    rs = imgconv.ranges(lime)
    data = bytearray(open(lime, "rb").read())
    src = imgconv.file_offset(rs, phys("socket_file_ops"))
    ops = data[src:src + 256]
    # its first method (recovery scans for the first function pointer the BTF lists)
    first = next(w for w in struct.unpack_from("<32Q", ops) if w >> 48 == 0xffff)
    c.check(first == link["sock_read_iter"] + slide, f"first method 0x{first:x}")
    at = imgconv.file_offset(rs, 0xa700000)
    data[at:at + 256] = ops
    for i in range(15):
        struct.pack_into("<Q", data, at + 0x200 + 8 * i, first)
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        path, out = os.path.join(tmp, "decoys.lime"), os.path.join(tmp, "decoys.json")
        open(path, "wb").write(data)
        del data
        r = icfix.run(path, "--withhold-data-syms", "-o", out, check=False)
        got = None
        if os.path.exists(out):
            got = json.load(open(out))["symbols"].get("socket_file_ops", {}).get("address")
        c.check(r.returncode in (0, 3) and got in (None, link["socket_file_ops"]),
                f"exit {r.returncode}, socket_file_ops {hex(got) if got else got} (System.map "
                f"0x{link['socket_file_ops']:x}): {r.stderr[-400:]!r}",
                f"exit {r.returncode}, socket_file_ops "
                + ("left out" if got is None else "at System.map's address"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
