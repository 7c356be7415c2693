#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the small seed inputs for fuzz/corpus/{kdump,avml}/ and the tests/bad/{kdump,avml}-* files.

Synthetic but format-exact: a kdump-compressed file with 512-byte blocks (the reader accepts any
power of two from 512, so seeds stay a few KiB), its flattened (-F) form, and an AVML v2 file
with two blocks of snappy framed data. Run from the source root: fuzz/make_corpus_formats.py
"""
import os
import struct
import zlib

BS = 512
NPFN = 64


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def page(pfn):
    return bytes((pfn * 7 + j % 251) & 0xFF for j in range(BS))


def kdump(vmcoreinfo=b"OSRELEASE=9.9.9-seed\nPAGESIZE=512\n"):
    dumped = [1, 2, 3, 10]
    hdr = bytearray(BS)
    hdr[0:8] = b"KDUMP   "
    struct.pack_into("<i", hdr, 8, 6)
    struct.pack_into("<IiiIIIIIIi", hdr, 424, 0, BS, 1, 2, NPFN, 0, 0, 0, 0, 1)
    sub = bytearray(BS)
    bm1 = bytearray(BS)
    bm2 = bytearray(BS)
    for p in [1, 2, 3, 4, 5, 10]:
        bm1[p // 8] |= 1 << (p % 8)
    for p in dumped:
        bm2[p // 8] |= 1 << (p % 8)
    pd_off = 4 * BS
    data_off = pd_off + 24 * len(dumped)
    vmci_off = data_off
    data = bytearray(vmcoreinfo)
    descs = bytearray()
    for i, p in enumerate(dumped):
        raw = page(p)
        if i % 2:
            blob, flags = raw, 0
        else:
            blob, flags = zlib.compress(raw, 6), 1
        descs += struct.pack("<QIIQ", data_off + len(data), len(blob), flags, 0)
        data += blob
    struct.pack_into("<QiiQQQQQQQQQQQ", sub, 0, 0x400000, 31, 0, 0, NPFN, vmci_off, len(vmcoreinfo),
                     0, 0, 0, 0, 0, NPFN, NPFN)
    return bytes(hdr + sub + bm1 + bm2 + descs + data)


def flatten(k, cuts=(100, 700, 1200, 2100, 2300)):
    out = bytearray(b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1))
    out += bytes(4096 - len(out))
    edges = [0] + [c for c in cuts if c < len(k)] + [len(k)]
    recs = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    recs = recs[1::2] + recs[0::2]  # out of order on purpose
    for s, e in recs:
        out += struct.pack(">qq", s, e - s) + k[s:e]
    out += struct.pack(">qq", -1, -1)
    return bytes(out)


def diskdump(two_bitmaps):
    """The same pages under the old "DISKDUMP" signature (diskdumputils savecore, as crash reads
    it): header_version 1, a register sub-header (zeros here), and either two bitmaps or one
    (bitmap_blocks too small for two: every pfn in it is dumped)."""
    k = bytearray(kdump(b""))
    k[0:8] = b"DISKDUMP"
    struct.pack_into("<i", k, 8, 1)
    k[BS:2 * BS] = bytes(BS)
    if two_bitmaps:
        return bytes(k)
    # one bitmap = the 2nd one; descriptors move one block down and their data offsets with them
    one = k[:2 * BS] + k[3 * BS:4 * BS] + k[4 * BS:]
    struct.pack_into("<I", one, 436, 1)
    d = bytearray(one)
    for i in range(4):
        at = 3 * BS + 24 * i
        off, = struct.unpack_from("<Q", d, at)
        struct.pack_into("<Q", d, at, off - BS)
    return bytes(d)


def flatten_mdf(k):
    """Like makedumpfile -F: each bitmap written as ceil(max_mapnr / 8) bytes, so the padding to
    the end of its block is in no record (a hole that -R leaves as zeros)."""
    used = (NPFN + 7) // 8
    out = bytearray(b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1))
    out += bytes(4096 - len(out))
    for s, e in [(0, 2 * BS), (2 * BS, 2 * BS + used), (3 * BS, 3 * BS + used), (4 * BS, len(k))]:
        out += struct.pack(">qq", s, e - s) + k[s:e]
    out += struct.pack(">qq", -1, -1)
    return bytes(out)


def flatten_hole(k, lo, hi):
    """Flattened, with the logical bytes [lo, hi) in no record: a hole where page data is."""
    out = bytearray(b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1))
    out += bytes(4096 - len(out))
    for s, e in [(0, lo), (hi, len(k))]:
        out += struct.pack(">qq", s, e - s) + k[s:e]
    out += struct.pack(">qq", -1, -1)
    return bytes(out)


def page_data(k, i):
    """(offset, size) of the page data of the i-th dumped page."""
    return struct.unpack_from("<QI", k, 4 * BS + 24 * i)


def frame(buf):
    import snappy  # only the AVML seeds need it (python3-snappy)

    out = bytearray(b"\xff\x06\x00\x00sNaPpY")
    for i in range(0, len(buf), 65536):
        chunk = buf[i:i + 65536]
        comp = snappy.compress(chunk)
        if i == 0:
            out += bytes([0xFE, 3, 0, 0]) + b"pad"  # skippable chunk
        if len(comp) < len(chunk) - len(chunk) // 8:
            t, body = 0, comp
        else:
            t, body = 1, chunk
        n = 4 + len(body)
        out += bytes([t, n & 0xFF, (n >> 8) & 0xFF, n >> 16]) + struct.pack("<I", masked(chunk)) + body
    return bytes(out)


def avml():
    out = bytearray()
    blocks = [(0x1000, bytes((i * 13 >> 5) & 0xFF for i in range(70000))),
              (0x100000, bytes(i % 3 for i in range(3000)) + os.urandom(0)[:0] + bytes(range(256)) * 4)]
    for start, buf in blocks:
        out += struct.pack("<IIQQQ", 0x4C4D5641, 2, start, start + len(buf) - 1, 0)
        f = frame(buf)
        out += f + struct.pack("<Q", len(f))
    return bytes(out)


def patch(b, off, fmt, *v):
    b = bytearray(b)
    struct.pack_into(fmt, b, off, *v)
    return bytes(b)


def main():
    k = kdump()
    fl = flatten(k)
    a = avml()
    seeds = {
        "fuzz/corpus/kdump/plain-zlib-raw": k,
        "fuzz/corpus/kdump/flat": fl,
        "fuzz/corpus/kdump/no-vmcoreinfo": kdump(b""),
        "fuzz/corpus/kdump/diskdump-two-bitmaps": diskdump(True),
        "fuzz/corpus/kdump/diskdump-one-bitmap": diskdump(False),
        "fuzz/corpus/kdump/flat-bitmap-padding-unwritten": flatten_mdf(k),
        "fuzz/corpus/avml/two-blocks": a,
    }
    bad = {
        "tests/bad/kdump-block-size-not-pow2": patch(k, 428, "<i", 3000),
        "tests/bad/kdump-bitmap-blocks-odd": patch(k, 436, "<I", 3),
        "tests/bad/kdump-max-mapnr-beyond-bitmap": patch(k, BS + 96, "<Q", 1 << 20),
        "tests/bad/kdump-bitmap2-not-in-bitmap1": patch(k, 3 * BS, "<B", 0xCE),
        "tests/bad/kdump-desc-size-over-block": patch(k, 4 * BS + 8, "<I", BS + 1),
        "tests/bad/kdump-desc-offset-past-eof": patch(k, 4 * BS, "<Q", 1 << 40),
        "tests/bad/kdump-truncated-descriptors": k[:4 * BS + 30],
        "tests/bad/kdump-header-version": patch(k, 8, "<i", 0),
        "tests/bad/kdump-vmcoreinfo-too-big": patch(k, BS + 40, "<Q", 1 << 30),
        "tests/bad/kdump-diskdump-bitmap-too-small": patch(diskdump(False), 440, "<I", 8 * BS + 1),
        "tests/bad/kdump-diskdump-truncated-bitmap": diskdump(False)[:2 * BS + 100],
        "tests/bad/kdump-flat-bitmap-missing": flatten_mdf(k)[:4096 + 16 + 2 * BS] + flatten_mdf(k)[4096 + 16 + 2 * BS + 16 + 8:],
        "tests/bad/kdump-flat-no-end-marker": fl[:-16],
        "tests/bad/kdump-flat-overlap": patch(fl, 4096, ">q", 50),
        "tests/bad/kdump-flat-type": patch(fl, 16, ">q", 2),
        "tests/bad/kdump-desc-data-in-header": patch(k, 4 * BS, "<Q", 0x100),
        "tests/bad/kdump-flat-page-data-hole": flatten_hole(k, page_data(k, 1)[0], sum(page_data(k, 1))),
        "tests/bad/kdump-flat-record-past-eof": patch(fl, 4096 + 8, ">q", 1 << 40),
        "tests/bad/avml-padding-nonzero": patch(a, 24, "<Q", 1),
        "tests/bad/avml-end-before-start": patch(a, 16, "<Q", 0),
        "tests/bad/avml-version-3": patch(a, 4, "<I", 3),
        "tests/bad/avml-no-stream-id": patch(a, 32, "<B", 0x01),
        "tests/bad/avml-reserved-chunk-type": patch(a, 42, "<B", 0x02),
        "tests/bad/avml-trailer-mismatch": a[:-8] + struct.pack("<Q", 5),
        "tests/bad/avml-truncated-stream": a[:600],
        "tests/bad/avml-chunk-ulen-over-block": patch(a, 16, "<Q", 0x1000 + 100),
    }
    for path, data in list(seeds.items()) + list(bad.items()):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    # the bad files double as fuzz seeds (error paths)
    for path, data in bad.items():
        d = "fuzz/corpus/avml/" if "/avml-" in path else "fuzz/corpus/kdump/"
        with open(d + os.path.basename(path), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
