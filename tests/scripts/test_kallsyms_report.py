#!/usr/bin/env python3
"""isfcarve scan --json: the "kallsyms" report key on the real fixtures, against their truth.

num_syms = core lines of truth/kallsyms; every table's virt = VMCOREINFO SYMBOL(kallsyms_*) and,
minus truth/slide.txt, = System.map; layout as documented in docs/kallsyms.md.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

FIXTURES = [
    ("fx-deb12-6.1", "mem.lime", "E2 abs-percpu short seqs"),
    ("fx-forky-7.2", "mem.elf", "E4 place-relative uleb128 seqs"),
    ("fx-arm64-forky-7.2", "mem.elf", "E4 place-relative uleb128 seqs"),
]


def kv(path):
    out = {}
    for line in open(path):
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.split("#")[0].strip()
    return out


def main():
    c = icfix.Counter()
    for fx, img, layout in FIXTURES:
        image = icfix.fixture(fx, img)
        truth = icfix.fixture(fx, "truth/kallsyms")
        smap = icfix.fixture(fx, "System.map")
        vmci = kv(icfix.fixture(fx, "truth/vmcoreinfo.txt"))
        slide = int(kv(icfix.fixture(fx, "truth/slide.txt"))["kaslr_virtual_slide"], 16)
        core = sum(1 for line in open(truth) if "[" not in line)
        link = {}
        for line in open(smap):
            a, _, name = line.split()[:3]
            if name.startswith("kallsyms_"):
                link[name] = int(a, 16)

        rep = json.loads(icfix.run("scan", "--json", image).stdout)
        k = rep.get("kallsyms")
        c.check(isinstance(k, dict), f"{fx}: kallsyms key is {k!r}")
        if not isinstance(k, dict):
            continue
        c.check(k["num_syms"] == core, f"{fx}: num_syms {k['num_syms']} != {core} core truth lines")
        c.check(k["layout"] == layout, f"{fx}: layout {k['layout']!r} != {layout!r}")
        c.check(k["vmcoreinfo_agrees"] is True, f"{fx}: VMCOREINFO does not agree")
        c.check(k["delta_source"] == "vmcoreinfo", f"{fx}: delta source {k['delta_source']}")
        c.check(k["phys"] == k["tables"]["kallsyms_names"]["phys"], f"{fx}: phys is not names")
        for name, t in k["tables"].items():
            virt = int(t["virt"], 16)
            key = f"SYMBOL({name})"
            if key in vmci:
                c.check(virt == int(vmci[key], 16), f"{fx}: {name} virt {virt:#x} != {key}")
            c.check(link.get(name) == virt - slide,
                    f"{fx}: {name} virt-slide {virt - slide:#x} != System.map {link.get(name)}")
        print(f"{fx}: {k['num_syms']} symbols, {k['layout']}, {len(k['tables'])} tables")
    c.finish()


if __name__ == "__main__":
    main()
