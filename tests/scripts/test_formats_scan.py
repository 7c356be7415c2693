#!/usr/bin/env python3
"""isfcarve scan --json on the compressed dump formats, end to end, against truth:

* fx-deb12-6.1-kdump/vmcore.kdump (real makedumpfile 1.7.2 output, zlib, dump level 31);
* the same dump flattened (makedumpfile -F layout, written here, records out of order);
* the same dump with the guest's VMCOREINFO embedded in the sub-header the way makedumpfile does
  when its source has a VMCOREINFO note (offset_vmcoreinfo/size_vmcoreinfo): the report must
  then take VMCOREINFO from the container note;
* fx-deb12-6.1/mem.lime converted to AVML v2 by shared/tools/tools/avml-convert.py (--iomem);
* the same with one snappy chunk's CRC broken 1 MiB before the banner, in the same 8 MiB scan
  piece: only that chunk's 256 KiB of the scan is lost (the scan once dropped the whole piece,
  the kernel's banner with it, and the profile was refused as mixing kernels);
* the same, with a range (and so a snappy block) starting inside the kallsyms tables: avml cuts
  memory into 16 MiB blocks, each its own range, so about one real dump in fifteen has its tables
  across such a cut (a bug once: kallsyms was then not found).

Banner = truth/version, BTF sha256 = truth/btf_vmlinux, VMCOREINFO OSRELEASE/KERNELOFFSET = truth,
and the physical addresses equal those found in the same boot's LiME image."""
import hashlib
import json
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

PY = os.environ.get("IC_PYTHON", "/usr/bin/python3")
SHARED = os.environ.get("IC_SHARED", os.path.join(icfix.SRC, "..", "shared"))


def truth(fx):
    version = open(icfix.fixture(fx, "truth/version"), "rb").read().rstrip(b"\n").decode()
    btf = hashlib.sha256(open(icfix.fixture(fx, "truth/btf_vmlinux"), "rb").read()).hexdigest()
    vmci = [l for l in open(icfix.fixture(fx, "truth/vmcoreinfo.txt")) if not l.startswith("#")]
    kv = dict(l.strip().split("=", 1) for l in vmci if "=" in l)
    return version, btf, kv["OSRELEASE"], int(kv["KERNELOFFSET"], 16), "".join(vmci).encode()


def flatten(src, dst, seed=7):
    """makedumpfile -F layout: 4096-byte header, {be64 offset, be64 size} records, -1/-1 end."""
    data = open(src, "rb").read()
    rnd = random.Random(seed)
    cuts, off = [], 0
    while off < len(data):
        n = min(len(data) - off, rnd.randint(512, 1 << 20))
        cuts.append((off, n))
        off += n
    rnd.shuffle(cuts)
    with open(dst, "wb") as f:
        f.write((b"makedumpfile\0\0\0\0" + struct.pack(">qq", 1, 1)).ljust(4096, b"\0"))
        for o, n in cuts:
            f.write(struct.pack(">qq", o, n))
            f.write(data[o:o + n])
        f.write(struct.pack(">qq", -1, -1))


def embed_vmcoreinfo(src, dst, text):
    """Append VMCOREINFO text and point the v6 sub-header's offset/size_vmcoreinfo at it."""
    data = bytearray(open(src, "rb").read())
    assert data[:8] == b"KDUMP   " and struct.unpack_from("<i", data, 8)[0] >= 3
    bs = struct.unpack_from("<i", data, 428)[0]
    off = len(data)
    struct.pack_into("<QQ", data, bs + 32, off, len(text))
    open(dst, "wb").write(bytes(data) + text)


def break_chunk_crc(src, dst, phys):
    """Copy AVML src to dst with the CRC of the snappy chunk holding phys flipped."""
    d = bytearray(open(src, "rb").read())
    pos = 0
    while pos < len(d):
        magic, _, start, end, _ = struct.unpack_from("<IIQQQ", d, pos)
        assert magic == 0x4C4D5641, "not AVML"
        p, got = pos + 32, 0
        while got < end - start + 1:
            ctype, n = d[p], d[p + 1] | d[p + 2] << 8 | d[p + 3] << 16
            if ctype in (0, 1):
                ulen, q, shift = (n - 4, 0, 0) if ctype == 1 else (0, p + 8, 0)
                while ctype == 0:  # the raw snappy preamble: uncompressed length, varint
                    ulen |= (d[q] & 0x7F) << shift
                    shift += 7
                    q += 1
                    if d[q - 1] < 0x80:
                        break
                if start + got <= phys < start + got + ulen:
                    d[p + 4] ^= 0xFF
                got += ulen
            p += 4 + n
        pos = p + 8
    open(dst, "wb").write(d)


def ram_ranges(iomem):
    """The top-level "System RAM" lines of a saved /proc/iomem, as [lo, hi) pairs."""
    out = []
    for line in open(iomem):
        if not line.startswith(" ") and line.rstrip().endswith(": System RAM"):
            lo, hi = line.split(":")[0].strip().split("-")
            out.append((int(lo, 16), int(hi, 16) + 1))
    return out


def scan(c, what, path, want_fmt, t, ref=None, threads="2"):
    version, btf_sha, release, koff, _ = t
    r = icfix.run("scan", "--json", "-j", threads, path, check=False)
    c.check(r.returncode == 0, f"{what}: exit {r.returncode}: {r.stderr[-600:]!r}")
    if r.returncode:
        return None
    rep = json.loads(r.stdout)
    c.check(rep["image"]["format"] == want_fmt, f"{what}: format {rep['image']['format']} != {want_fmt}")
    b, bt, v = rep["banner"] or {}, rep["btf"] or {}, rep["vmcoreinfo"] or {}
    c.check(b.get("text") == version, f"{what}: banner {b.get('text')!r}")
    c.check(bt.get("sha256") == btf_sha, f"{what}: btf sha256 {bt.get('sha256')} != truth {btf_sha}")
    c.check(v.get("osrelease") == release, f"{what}: OSRELEASE {v.get('osrelease')}")
    c.check(v.get("kerneloffset") == hex(koff), f"{what}: KERNELOFFSET {v.get('kerneloffset')}")
    if ref:
        for k in ("banner", "btf"):
            c.check((rep[k] or {}).get("phys") == (ref[k] or {}).get("phys"),
                    f"{what}: {k} phys {(rep[k] or {}).get('phys')} != LiME {(ref[k] or {}).get('phys')}")
    print(f"ok: {what}: {rep['image']['ranges']} ranges, {rep['image']['bytes']} bytes; "
          f"banner@{b.get('phys')} btf@{bt.get('phys')} vmcoreinfo@{v.get('phys')} "
          f"from_note={v.get('from_note')}")
    return rep


def main():
    c = icfix.Counter()
    t = truth("fx-deb12-6.1")
    work = os.path.join(icfix.BUILD, "derived", "formats")
    os.makedirs(work, exist_ok=True)
    lime = icfix.fixture("fx-deb12-6.1", "mem.lime")
    ref = scan(c, "fx-deb12-6.1 LiME (reference)", lime, "lime", t)

    kd = icfix.fixture("fx-deb12-6.1-kdump", "vmcore.kdump")
    rep = scan(c, "kdump", kd, "kdump", t, ref)
    if rep:
        c.check(rep["image"]["bytes"] == 19917 * 4096, f"kdump: {rep['image']['bytes']} bytes dumped")
    rep1 = scan(c, "kdump -j 1", kd, "kdump", t, ref, threads="1")
    if rep and rep1:
        c.check(rep1 == rep, "kdump: -j 1 and -j 2 reports differ")

    flat = os.path.join(work, "vmcore.flat")
    flatten(kd, flat)
    scan(c, "kdump flattened", flat, "kdump-flat", t, ref)

    emb = os.path.join(work, "vmcore-vmcoreinfo.kdump")
    embed_vmcoreinfo(kd, emb, t[4])
    rep = scan(c, "kdump + embedded VMCOREINFO", emb, "kdump", t, ref)
    if rep:
        c.check((rep["vmcoreinfo"] or {}).get("from_note") is True,
                "embedded VMCOREINFO did not reach the carver's note path")
    embflat = os.path.join(work, "vmcore-vmcoreinfo.flat")
    flatten(emb, embflat, seed=11)
    rep = scan(c, "kdump flattened + embedded VMCOREINFO", embflat, "kdump-flat", t, ref)
    if rep:
        c.check((rep["vmcoreinfo"] or {}).get("from_note") is True, "flattened: VMCOREINFO note")

    try:
        import snappy  # noqa: F401  (avml-convert.py needs python3-snappy)
        have_snappy = True
    except ImportError:
        have_snappy = False
    if have_snappy or os.environ.get("CI"):
        avml = os.path.join(work, "mem.avml")
        if not os.path.exists(avml) or os.path.getmtime(avml) < os.path.getmtime(lime):
            subprocess.run([PY, os.path.join(SHARED, "tools/tools/avml-convert.py"), "write", lime,
                            avml + ".tmp", "--iomem", icfix.fixture("fx-deb12-6.1", "truth/iomem")],
                           check=True, stdout=subprocess.DEVNULL)
            os.replace(avml + ".tmp", avml)
        scan(c, "AVML (from mem.lime)", avml, "avml", t, ref)
        bad = os.path.join(work, "badcrc.avml")
        break_chunk_crc(avml, bad, int(ref["banner"]["phys"], 16) - 0x100000)
        scan(c, "AVML with a broken chunk 1 MiB before the banner", bad, "avml", t, ref)
        # Split the RAM range holding the kallsyms names 256 KiB into them.
        cut = (int(ref["kallsyms"]["phys"], 16) + 0x40000) & ~0xfff
        ranges = []
        for lo, hi in ram_ranges(icfix.fixture("fx-deb12-6.1", "truth/iomem")):
            ranges += [(lo, cut), (cut, hi)] if lo < cut < hi else [(lo, hi)]
        c.check(len(ranges) >= 2, "no RAM range holds the kallsyms tables")
        subprocess.run([PY, os.path.join(SHARED, "tools/tools/avml-convert.py"), "write", lime,
                        os.path.join(work, "split.avml"), "--ranges"] +
                       [f"{lo:x}-{hi:x}" for lo, hi in ranges], check=True, stdout=subprocess.DEVNULL)
        rep = scan(c, "AVML cut inside kallsyms", os.path.join(work, "split.avml"), "avml", t, ref)
        if rep:
            c.check((rep["kallsyms"] or {}).get("phys") == ref["kallsyms"]["phys"],
                    f"AVML cut inside kallsyms: kallsyms at {(rep['kallsyms'] or {}).get('phys')}")
    else:
        print("skip: AVML part (no python3-snappy)")
    # The same boot in every format gives the same profile, byte for byte (issue: "the same
    # profile from every format of the same boot").
    profiles = {}
    sources = [("lime", lime), ("kdump", kd), ("kdump-flat", flat)]
    if have_snappy or os.environ.get("CI"):
        sources += [("avml", os.path.join(work, "mem.avml")),
                    ("avml-split", os.path.join(work, "split.avml")),
                    ("avml-badcrc", os.path.join(work, "badcrc.avml"))]
    for name, src in sources:
        out = os.path.join(work, f"profile-{name}.json")
        r = icfix.run("-q", "-f", "-j", "2", src, "-o", out, check=False)
        c.check(r.returncode == 0, f"profile from {name}: exit {r.returncode} {r.stderr[-300:]!r}")
        if r.returncode == 0:
            with open(out, "rb") as f:
                profiles[name] = f.read()
            os.unlink(out)
    for name, data in profiles.items():
        c.check(data == profiles.get("lime"), f"profile from {name} differs from the LiME one")
    for p in (flat, emb, embflat, os.path.join(work, "split.avml"),
              os.path.join(work, "badcrc.avml")):
        if os.path.exists(p):
            os.unlink(p)
    c.finish()


if __name__ == "__main__":
    main()
