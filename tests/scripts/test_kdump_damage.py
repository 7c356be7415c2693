#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kdump files makedumpfile could really leave, and ones it never writes, on fx-deb12-6.1-kdump's
real vmcore.kdump (makedumpfile 1.7.2, zlib, dump level 31):

1. Incomplete (makedumpfile ran out of space): header status bit 0x8 set, the descriptors of 64
   low pages zeroed (descriptors it never wrote) and the file cut at the data of pfn 0xe000 (data
   it never wrote; the zero pages' one shared block, written first, stays). As crash and libkdumpfile read such a dump, those pages are lost, not damage:
   the scan opens it, says the loss once with the exact count, leaves the pages out of the image
   (bytes = the rest), and the profile equals the one made from the whole dump (the kernel's pages
   are all there). Before, the open failed ("bad data offset 0x0 / size 0").
2. The same cut without the status bit: still a truncated dump, exit 2 naming the shortfall.
3. A flattened file whose header claims 2^32 pages (two 512 MiB bitmaps) in a 12 KiB file: the
   missing bitmaps are found before anything is allocated (exit 2, one line). Before, 1 GiB was
   allocated first, so under a 600 MiB address-space limit the run ended in "Cannot allocate
   memory", exit 4. The limit is skipped for sanitizer builds (they reserve terabytes).
4. A flattened file with a bad block_size, then an odd bitmap_blocks: the message says "logical
   offset" (the header's place in the logical file), not "offset".
5. The sub-header's VMCOREINFO (offset_vmcoreinfo, size_vmcoreinfo; 0 in the fixture) pointed at
   40 bytes of the header: the warning names it "(kdump sub-header VMCOREINFO)" at offset 0xc
   (the label was cut to "kdump sub-header VMCORE" by a 24-byte field), and the scan goes on."""
import collections
import hashlib
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

LOST_LOW = range(0x100, 0x140)  # descriptors zeroed
CUT_PFN = 0xE000                # data of this pfn and after: past the end


def layout(d):
    """(block size, pfn list in descriptor order, offset of the descriptor table)."""
    bs, sub, bmb = struct.unpack_from("<iiI", d, 428)
    max_mapnr, = struct.unpack_from("<Q", d, bs + 96)
    half = bmb // 2 * bs
    bm2 = d[(1 + sub) * bs + half:(1 + sub) * bs + 2 * half]
    pfns = [p for p in range(max_mapnr) if bm2[p // 8] >> (p % 8) & 1]
    return bs, pfns, (1 + sub) * bs + 2 * half


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def asan_build():
    with open(icfix.BIN if os.path.isabs(icfix.BIN) else shutil.which(icfix.BIN), "rb") as f:
        return b"__asan_init" in f.read()


def main():
    c = icfix.Counter()
    src = icfix.fixture("fx-deb12-6.1-kdump", "vmcore.kdump")
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        d = bytearray(open(src, "rb").read())
        bs, pfns, pd_off = layout(d)
        status, = struct.unpack_from("<I", d, 424)
        c.check(not status & 8, f"fixture status 0x{status:x} already incomplete")
        # zero pages all point at one shared block, written first: not cut with the rest
        offs = [struct.unpack_from("<Q", d, pd_off + 24 * i)[0] for i in range(len(pfns))]
        shared = {o for o, n in collections.Counter(offs).items() if n > 1}
        cut = min(o for p, o in zip(pfns, offs) if p >= CUT_PFN and o not in shared)
        lost = 0
        for i, p in enumerate(pfns):
            at = pd_off + 24 * i
            if p in LOST_LOW:
                d[at:at + 24] = bytes(24)
                lost += 1
        lost += sum(1 for i, p in enumerate(pfns) if p not in LOST_LOW
                    and sum(struct.unpack_from("<QI", d, pd_off + 24 * i)) > cut)
        c.check(cut and 0 < lost < len(pfns), f"layout: cut {cut}, lost {lost} of {len(pfns)}")
        short = os.path.join(tmp, "short.kdump")
        open(short, "wb").write(bytes(d[:cut]))
        inc = os.path.join(tmp, "incomplete.kdump")
        struct.pack_into("<I", d, 424, status | 8)
        open(inc, "wb").write(bytes(d[:cut]))

        # 1. incomplete: opened, the loss said once, the profile = the whole dump's
        r = icfix.run("scan", "--json", inc, check=False)
        err = r.stderr.decode(errors="replace")
        want = f"{lost} of its {len(pfns)} pages have no data and read as absent"
        c.check(r.returncode == 0 and err.count("marks the dump incomplete") == 1 and want in err,
                f"incomplete scan: exit {r.returncode}, want {want!r}: {err[-500:]!r}")
        m = re.search(rb'"bytes": *([0-9]+)', r.stdout)
        c.check(m and int(m.group(1)) == (len(pfns) - lost) * bs,
                f"image bytes {m and m.group(1)}, want {(len(pfns) - lost) * bs}")
        whole, part = os.path.join(tmp, "whole.json"), os.path.join(tmp, "part.json")
        icfix.run(src, "-q", "-o", whole)
        r = icfix.run(inc, "-q", "-o", part, check=False)
        c.check(r.returncode == 0 and os.path.exists(part) and digest(part) == digest(whole),
                f"incomplete profile: exit {r.returncode}, {r.stderr[-400:]!r}",
                f"incomplete dump: {lost} of {len(pfns)} pages lost, profile = the whole dump's")

        # 2. the same cut without the status bit: a truncated dump
        r = icfix.run("scan", short, check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 2 and "bytes short (truncated dump?)" in err and err.count("\n") == 1,
                f"truncated: exit {r.returncode}: {err[-300:]!r}")

        # 3. 2^32 pages claimed in 12 KiB: no 1 GiB allocation before the bitmaps are looked for
        hdr = bytearray(2 * 4096)
        hdr[0:8] = b"KDUMP   "
        struct.pack_into("<iIiiI", hdr, 8, 6, 0, 0, 0, 0)
        struct.pack_into("<IiiII", hdr, 424, 1, 4096, 1, 2 * ((1 << 32) // 8 // 4096), 0)
        struct.pack_into("<Q", hdr, 4096 + 96, 1 << 32)
        flat = bytearray(b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1)).ljust(4096, b"\0")
        flat += struct.pack(">qq", 0, len(hdr)) + hdr
        flat += struct.pack(">qq", 1 << 40, 1) + b"\0" + struct.pack(">qq", -1, -1)
        big = os.path.join(tmp, "claims-2p32-pages.kdump")
        open(big, "wb").write(bytes(flat))
        limit = None if asan_build() else 600 << 20

        def cap():
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        r = subprocess.run([icfix.BIN, "scan", big], capture_output=True, preexec_fn=cap)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 2 and "1st bitmap at logical offset 0x2000" in err and err.count("\n") == 1,
                f"2^32 pages (address-space limit {limit}): exit {r.returncode}: {err[-300:]!r}",
                f"2^32 pages claimed in {len(flat)} bytes: exit 2 (address-space limit {limit})")

        # 4. offsets in a flattened file's header are logical offsets (the header sits at file
        # offset 0x1010 here): said so, as every other flattened message does (before: "at
        # offset 428"). block_size 3000, then bitmap_blocks odd.
        for field, at, val, want in (("block_size", 428, 3000, "block_size 3000 at logical offset 428"),
                                     ("bitmap_blocks", 436, 3, "bitmap_blocks 3 at logical offset 436")):
            h = bytearray(hdr)
            struct.pack_into("<I", h, 436, 2)
            struct.pack_into("<I", h, 440, 8)
            struct.pack_into("<i" if field == "block_size" else "<I", h, at, val)
            f = bytearray(b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1)).ljust(4096, b"\0")
            f += struct.pack(">qq", 0, len(h)) + h + struct.pack(">qq", -1, -1)
            p = os.path.join(tmp, f"flat-{field}.kdump")
            open(p, "wb").write(bytes(f))
            r = icfix.run("scan", p, check=False)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 2 and want in err, f"flattened {field}: exit {r.returncode}: {err[-300:]!r}",
                    f"flattened {field}: {want!r}")
        # 5. a sub-header VMCOREINFO that is not VMCOREINFO text
        d = bytearray(open(src, "rb").read())
        c.check(struct.unpack_from("<QQ", d, bs + 32) == (0, 0), "the fixture has a sub-header VMCOREINFO")
        struct.pack_into("<QQ", d, bs + 32, 12, 40)
        p = os.path.join(tmp, "sub-vmcoreinfo.kdump")
        open(p, "wb").write(bytes(d))
        del d
        r = icfix.run("scan", p, check=False)
        err = r.stderr.decode(errors="replace")
        want = "VMCOREINFO note at offset 0xc (kdump sub-header VMCOREINFO) is not valid VMCOREINFO text"
        c.check(r.returncode == 0 and want in err, f"sub-header VMCOREINFO: exit {r.returncode}: {err[-400:]!r}",
                "sub-header VMCOREINFO named whole")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
