#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A second copy of the kallsyms tables must not be taken for the kernel's (issue 18's rule:
never a silently wrong profile), on fx-deb12-6.1's real LiME.

VMCOREINFO names the tables (SYMBOL(kallsyms_names) ...) by runtime address. Every copy of the
tables has their spacing, so agreeing on the spacing alone proved nothing; the lowest copy then
won the tie. The copy must also be where VMCOREINFO's own translation (NUMBER(phys_base)) puts
the tables.
  A. The kernel image [_text, _end) copied to phys 0x2000000 (below the kernel), init_task's
     kallsyms_offsets entry in the copy moved by 0x40 (the table stays sorted). Before: exit 0,
     init_task 0x40 off System.map. Now: the profile equals the plain image's.
  B. The tables alone copied, unchanged, to phys 0x4000000 (a page-cache copy of a dump or a
     vmlinux could put them anywhere). Before: exit 3, "BTF ... is outside the kernel image
     kallsyms describes". Now: the profile equals the plain image's.
  C. The tables alone copied, unchanged, IC_MAX_KSYM_COPIES + 1 (17) times, at phys 0x4000000 +
     i * 2 MiB, all below the real ones. Anchors are decoded in physical order and stop at 16
     valid copies, so the real tables were never reached. Before: exit 3, "banner at 0xb761900
     but kallsyms' linux_banner is at 0x4000900". Now the tables where VMCOREINFO places them
     are decoded first: the plain image's profile."""
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    c = icfix.Counter()
    lime = icfix.fixture("fx-deb12-6.1", "mem.lime")
    with open(icfix.fixture("fx-deb12-6.1", "truth/kallsyms")) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    core = [ln for ln in lines if len(ln) == 3]  # module symbols carry a 4th field: [module]
    runtime = {ln[2]: int(ln[0], 16) for ln in core}
    init_idx = next(i for i, ln in enumerate(core) if ln[2] == "init_task")
    scan = json.loads(icfix.run("scan", "--json", lime).stdout)["kallsyms"]
    delta = int(scan["virt_delta"], 16)
    tabs = {k: (int(v["phys"], 16), v["size"]) for k, v in scan["tables"].items()}
    text, end = runtime["_text"] - delta, runtime["_end"] - delta
    offs_at = tabs["kallsyms_offsets"][0]
    rs = imgconv.ranges(lime)
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        ref = os.path.join(tmp, "ref.json")
        icfix.run(lime, "-q", "-o", ref)
        want = digest(ref)
        data = open(lime, "rb").read()

        def place(dst_phys, src_lo, src_hi, patch=None, times=1, step=0):
            """The image with phys [src_lo, src_hi) copied to dst_phys (patch(blob, src_lo) first),
            times copies step bytes apart."""
            out = bytearray(data)
            blob = bytearray(data[imgconv.file_offset(rs, src_lo):imgconv.file_offset(rs, src_hi - 1) + 1])
            c.check(len(blob) == src_hi - src_lo, "the copied span is one range")
            if patch:
                patch(blob, src_lo)
            for i in range(times):
                pa = dst_phys + i * step
                at = imgconv.file_offset(rs, pa)
                c.check(imgconv.file_offset(rs, pa + len(blob) - 1) == at + len(blob) - 1,
                        f"0x{pa:x}+0x{len(blob):x} is one range")
                out[at:at + len(blob)] = blob
            return bytes(out)

        def move_init_task(blob, lo):
            o = offs_at - lo + 4 * init_idx
            u, = struct.unpack_from("<I", blob, o)
            struct.pack_into("<I", blob, o, u - 0x40)  # relative encoding: address + 0x40

        lo = min(p for p, n in tabs.values())
        hi = max(p + n for p, n in tabs.values())
        cases = [("A. kernel image copied below, init_task moved in the copy",
                  lambda: place(0x2000000, text & ~0xFFF, end, move_init_task)),
                 ("B. tables alone copied to 0x4000000", lambda: place(0x4000000 + (lo & 0xFFF), lo, hi)),
                 ("C. tables copied 17 times below the real ones",
                  lambda: place(0x4000000 + (lo & 0xFFF), lo, hi, times=17, step=2 << 20))]
        c.check(hi - lo < 2 << 20, f"the tables span 0x{hi - lo:x} bytes, less than 2 MiB")
        for what, make in cases:
            img = make()
            path, out = os.path.join(tmp, "copy.lime"), os.path.join(tmp, "copy.json")
            open(path, "wb").write(img)
            del img
            if os.path.exists(out):
                os.unlink(out)
            r = icfix.run(path, "-o", out, check=False)
            ok = r.returncode == 0 and os.path.exists(out) and digest(out) == want
            detail = ""
            if os.path.exists(out):
                got = json.load(open(out))["symbols"].get("init_task", {}).get("address")
                detail = f"init_task 0x{got or 0:x}"
            c.check(ok, f"{what}: exit {r.returncode}, {detail}: {r.stderr.decode(errors='replace')[-400:]!r}",
                    f"{what}: the plain image's profile")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
