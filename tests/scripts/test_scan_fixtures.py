#!/usr/bin/env python3
"""isfcarve scan --json on the real fixtures, in their own format and converted to raw:
banner text = truth/version, BTF bytes = truth/btf_vmlinux (sha256), KERNELOFFSET = truth slide,
and the report has the documented shape."""
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

import jsonschema  # noqa: E402

HEX = {"type": "string", "pattern": "^0x[0-9a-f]+$"}
CNT = {"type": "integer", "minimum": 0}
SCHEMA = {
    "type": "object",
    "required": ["image", "banner", "btf", "vmcoreinfo", "kallsyms", "kaslr"],
    "properties": {
        "image": {"type": "object", "required": ["path", "format", "ranges", "bytes"],
                  "properties": {"path": {"type": "string"},
                                 "format": {"enum": ["lime", "elf", "raw"]},
                                 "ranges": CNT, "bytes": CNT}},
        "banner": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["text", "phys", "copies"],
            "properties": {"text": {"type": "string"}, "phys": HEX, "copies": CNT}}]},
        "btf": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["phys", "size", "sha256", "types", "candidates"],
            "properties": {"phys": HEX, "size": CNT, "types": CNT, "candidates": CNT,
                           "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}]},
        "vmcoreinfo": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["phys", "osrelease", "kerneloffset", "entries"],
            "properties": {"phys": {"oneOf": [HEX, {"type": "null"}]},
                           "osrelease": {"type": "string"},
                           "kerneloffset": {"oneOf": [HEX, {"type": "null"}]},
                           "entries": CNT}}]},
    },
}

FIXTURES = [("fx-deb12-6.1", "mem.lime", "lime"), ("fx-forky-7.2", "mem.elf", "elf")]


def truth(fx):
    version = open(icfix.fixture(fx, "truth/version"), "rb").read().rstrip(b"\n").decode()
    btf = hashlib.sha256(open(icfix.fixture(fx, "truth/btf_vmlinux"), "rb").read()).hexdigest()
    slide = None
    for line in open(icfix.fixture(fx, "truth/slide.txt")):
        if line.startswith("kaslr_virtual_slide="):
            slide = int(line.split("=")[1].split()[0], 16)
    release = None
    for line in open(icfix.fixture(fx, "truth/vmcoreinfo.txt")):
        if line.startswith("OSRELEASE="):
            release = line.strip().split("=", 1)[1]
    return version, btf, slide, release


def derived_raw(fx, src):
    """LiME/ELF -> raw with the independent Python converter, cached in the build dir."""
    out_dir = os.path.join(icfix.BUILD, "derived", fx)
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, os.path.basename(src) + ".raw")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        # Below 4 GiB: the ELF dumps' BIOS flash range at 0xfffc0000 would add 4 GiB of zeros.
        subprocess.run([sys.executable, os.path.join(icfix.SRC, "tests/lib/imgconv.py"), src,
                        out + ".tmp", "--max-phys", "0x80000000"], check=True)
        os.replace(out + ".tmp", out)
    return out


def main():
    c = icfix.Counter()
    for fx, name, fmt in FIXTURES:
        img = icfix.fixture(fx, name)
        version, btf_sha, slide, release = truth(fx)
        for path, want_fmt in ((img, fmt), (derived_raw(fx, img), "raw")):
            r = icfix.run("scan", "--json", "-j", "2", path, check=False)
            what = f"{fx} ({want_fmt})"
            c.check(r.returncode == 0, f"{what}: exit {r.returncode}: {r.stderr[-500:]!r}")
            if r.returncode:
                continue
            rep = json.loads(r.stdout)
            try:
                jsonschema.validate(rep, SCHEMA)
                c.check(True, "")
            except jsonschema.ValidationError as e:
                c.check(False, f"{what}: schema: {e.message}")
            c.check(rep["image"]["format"] == want_fmt, f"{what}: format {rep['image']['format']}")
            b = rep["banner"] or {}
            c.check(b.get("text") == version, f"{what}: banner {b.get('text')!r} != {version!r}")
            c.check(b.get("linux_banner") is True, f"{what}: banner not in linux_banner form")
            c.check(b.get("copies", 0) >= 1, f"{what}: banner copies")
            t = rep["btf"] or {}
            c.check(t.get("sha256") == btf_sha, f"{what}: btf sha256 {t.get('sha256')} != {btf_sha}")
            c.check(t.get("types", 0) > 10000, f"{what}: btf types {t.get('types')}")
            v = rep["vmcoreinfo"] or {}
            c.check(v.get("kerneloffset") == hex(slide),
                    f"{what}: KERNELOFFSET {v.get('kerneloffset')} != {hex(slide)}")
            c.check(v.get("osrelease") == release, f"{what}: OSRELEASE {v.get('osrelease')}")
            c.check(rep["kallsyms"] is None or isinstance(rep["kallsyms"], dict), f"{what}: kallsyms key")
            c.check("kaslr" in rep, f"{what}: kaslr key")
            print(f"ok: {what}: banner@{b.get('phys')} btf@{t.get('phys')} vmcoreinfo@{v.get('phys')}")
        # The human summary names the same things.
        r = icfix.run("scan", img, check=False)
        c.check(r.returncode == 0 and version.encode() in r.stdout, f"{fx}: human summary")
    c.finish()


if __name__ == "__main__":
    main()
