#!/usr/bin/env python3
"""VMware .vmem + .vmss: the region map places .vmem pages at their guest-physical addresses.

No real VMware sample is available, so this builds one from the real fx-deb12-6.1 LiME image the
way VMware lays out a guest (facts: volatility3 layers/vmware.py and docs/formats.md): the .vmem
holds the RAM pieces back to back, and the .vmss "memory" group gives regionPPN / regionPageNum /
regionSize per piece. scan --json must then find banner/BTF/VMCOREINFO = truth at the same
physical addresses as in the LiME. Also: .vmem without a state file = raw; broken state files
fail with a message naming them; state-file version 0 (4-byte long-data sizes) parses too."""
import hashlib
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402


def tag(name, value=None, idx=(), data=None, version=2):
    """One state-file tag: flags (index count << 6 | data length), name length, name, indices, data."""
    n = name.encode()
    if data is not None:  # long data
        w = 4 if version == 0 else 8
        sz = struct.pack("<I" if w == 4 else "<Q", len(data))
        body = sz + sz + b"\0\0" + data
        flags = len(idx) << 6 | 62
    else:
        body = struct.pack("<Q", value)
        flags = len(idx) << 6 | 8
    return bytes([flags, len(n)]) + n + b"".join(struct.pack("<I", i) for i in idx) + body


def vmss(regions, version=2, count=None, extra=b""):
    magic = {0: b"\xd0\xbe\xd2\xbe", 1: b"\xd1\xba\xd1\xba", 2: b"\xd2\xbe\xd2\xbe"}[version]
    tags = tag("align_mask", 0xFFFF, version=version) + tag("junk", data=b"x" * 100, idx=(3,), version=version)
    tags += tag("regionsCount", len(regions) if count is None else count, version=version)
    for i, (ppn, pagenum, size) in enumerate(regions):
        tags += tag("regionPPN", ppn, (i,), version=version) + tag("regionPageNum", pagenum, (i,), version=version)
        tags += tag("regionSize", size, (i,), version=version)
    tags += extra + b"\0\0"
    groups = [b"cpu", b"memory"]
    hdr = magic + struct.pack("<II", 0, len(groups))
    base = len(hdr) + 80 * len(groups)
    cpu_tags = tag("cpuid", 1) + b"\0\0"
    g = struct.pack("<64sQQ", b"cpu", base, 0) + struct.pack("<64sQQ", b"memory", base + len(cpu_tags), 0)
    return hdr + g + cpu_tags + tags


def main():
    c = icfix.Counter()
    fx = "fx-deb12-6.1"
    lime = icfix.fixture(fx, "mem.lime")
    version = open(icfix.fixture(fx, "truth/version"), "rb").read().rstrip(b"\n").decode()
    btf_sha = hashlib.sha256(open(icfix.fixture(fx, "truth/btf_vmlinux"), "rb").read()).hexdigest()
    work = os.path.join(icfix.BUILD, "derived", "vmware")
    os.makedirs(work, exist_ok=True)
    vmem = os.path.join(work, "guest.vmem")
    # pieces: whole pages of each LiME range, packed back to back in the .vmem
    regions, pagenum = [], 0
    with open(lime, "rb") as src, open(vmem, "wb") as out:
        for s, off, n in imgconv.ranges(lime):
            s4, e4 = (s + 4095) // 4096 * 4096, (s + n) // 4096 * 4096
            src.seek(off + s4 - s)
            n = e4 - s4
            out.write(src.read(n))
            regions.append((s4 // 4096, pagenum, n // 4096))
            pagenum += n // 4096
    ref = json.loads(icfix.run("scan", "--json", lime).stdout)

    for ver in (2, 0):
        open(vmem[:-5] + ".vmss", "wb").write(vmss(regions, version=ver))
        r = icfix.run("scan", "--json", vmem, check=False)
        c.check(r.returncode == 0, f"v{ver}: exit {r.returncode}: {r.stderr[-500:]!r}")
        if r.returncode:
            continue
        rep = json.loads(r.stdout)
        c.check(rep["image"]["format"] == "vmware", f"v{ver}: format {rep['image']['format']}")
        c.check(rep["image"]["ranges"] == len(regions), f"v{ver}: ranges {rep['image']['ranges']}")
        c.check((rep["banner"] or {}).get("text") == version, f"v{ver}: banner")
        c.check((rep["btf"] or {}).get("sha256") == btf_sha, f"v{ver}: btf sha256")
        for k in ("banner", "btf", "vmcoreinfo"):
            c.check((rep[k] or {}).get("phys") == (ref[k] or {}).get("phys"),
                    f"v{ver}: {k} phys {(rep[k] or {}).get('phys')} != LiME {(ref[k] or {}).get('phys')}")
        print(f"ok: vmware state v{ver}: {len(regions)} regions, banner@{rep['banner']['phys']} btf@{rep['btf']['phys']}")

    # without its state file the .vmem is raw (offset = address: here wrong, as VMware's would be)
    os.unlink(vmem[:-5] + ".vmss")
    r = icfix.run("scan", "--json", vmem, check=False)
    c.check(r.returncode == 0 and json.loads(r.stdout)["image"]["format"] == "raw", "no .vmss: raw")
    # .vmsn is the other companion name
    open(vmem[:-5] + ".vmsn", "wb").write(vmss(regions))
    r = icfix.run("scan", "--json", vmem, check=False)
    c.check(r.returncode == 0 and json.loads(r.stdout)["image"]["format"] == "vmware", ".vmsn companion")
    os.unlink(vmem[:-5] + ".vmsn")
    # a state file without regions: flat .vmem, raw
    open(vmem[:-5] + ".vmss", "wb").write(vmss([], count=0))
    r = icfix.run("scan", "--json", vmem, check=False)
    c.check(r.returncode == 0 and json.loads(r.stdout)["image"]["format"] == "raw", "regionsCount 0: raw")

    bad = {
        "magic": b"\x00\x00\x00\x00" + vmss(regions)[4:],
        "truncated-tags": vmss(regions)[:-40],
        "count-mismatch": vmss(regions, count=5),
        "region-past-vmem": vmss([(0x1, 0, 0x10), (0x100, 0x100000, 0x10)]),
        "region-overlap": vmss([(0x1, 0, 0x100), (0x80, 0x100, 0x10)]),
        "region-incomplete": vmss(regions, extra=tag("regionPPN", 7, (len(regions),))),
        "long-data-past-eof": vmss(regions, extra=bytes([62, 1]) + b"z" + struct.pack("<QQ", 1 << 40, 0)),
    }
    for name, data in bad.items():
        open(vmem[:-5] + ".vmss", "wb").write(data)
        r = icfix.run("scan", "--json", vmem, check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode not in (0, 4) and r.returncode < 128 and ("vmss" in err or "vmem" in err),
                f"bad state file {name}: exit {r.returncode}: {err[-300:]!r}")
        print(f"ok: bad state file {name}: exit {r.returncode}: {err.strip().splitlines()[0] if err.strip() else ''}")
    os.unlink(vmem[:-5] + ".vmss")
    os.unlink(vmem)
    c.finish()


if __name__ == "__main__":
    main()
