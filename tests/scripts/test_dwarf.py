# SPDX-License-Identifier: MIT
# --dwarf on a small kernel-like program compiled here with gcc -g (DWARF 4 and 5): the ISF's
# layouts must be what the compiler itself says (the same source built again with offsetof /
# sizeof and bit-fields found by setting them), symbols typed from their DWARF variables, the
# dwarf2json naming rules kept; bad inputs exit 2 with one error line; --dwarf in IMAGE mode
# takes only the types from the file. The full-size check (a real -dbg vmlinux against the
# fixture's dwarf2json ISF) runs locally: bench/bench_dwarf.sh, docs/dwarf.md.
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

SRC = os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("IC_BUILD", ".")
BIN = os.environ.get("IC_BIN", os.path.join(BUILD, "isfcarve"))
DATA = os.path.join(SRC, "tests", "data", "dwarf")
UNITS = [os.path.join(DATA, "kernel_like.c"), os.path.join(DATA, "kernel_like2.c")]
VOID = {"kind": "base", "name": "void"}
# C names whose layout is checked (typedef names as dwarf2json keys them)
TYPES = {"cred": "struct cred", "mm_struct": "struct mm_struct",
         "files_struct": "struct files_struct", "task_struct": "struct task_struct",
         "tk_data": "struct tk_data", "irq_info": "struct irq_info",
         "list_head": "struct list_head", "kernel_cap_t": "kernel_cap_t",
         "atomic_t": "atomic_t"}

fails = []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        fails.append(what)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def build_elf(tmp, dwarf_version, banner=None, name=None):
    out = os.path.join(tmp, name or "k%d.elf" % dwarf_version)
    extra = ["-DIC_BANNER=" + json.dumps(banner)] if banner else []
    r = run(["gcc", "-g", "-gdwarf-%d" % dwarf_version, "-O0", "-nostdlib", "-static", "-no-pie",
             "-Wl,-e,0", "-o", out] + extra + UNITS)
    if r.returncode:
        sys.exit("gcc failed: " + r.stderr)
    smap = out + ".map"
    r = run(["nm", out])
    with open(smap, "w") as f:
        f.write(r.stdout)
    return out, smap


def flat(isf, name, depth=0):
    """Fields as Volatility sees them (anonymous members flattened)."""
    out = {}
    for fn, f in isf["user_types"][name]["fields"].items():
        if f.get("anonymous"):
            for sub, (off, ty) in flat(isf, f["type"]["name"], depth + 1).items():
                out[sub] = (off + f["offset"], ty)
        else:
            out[fn] = (f["offset"], f["type"])
    return out


def compiler_layout(tmp, isf):
    """The same source compiled with a main() that prints what gcc laid out."""
    lines = ["#include <stdio.h>", "#include <string.h>", '#include "%s"' % UNITS[0],
             "int main(void) {"]
    for key, cname in sorted(TYPES.items()):
        lines.append('printf("S %s %%zu\\n", sizeof(%s));' % (key, cname))
        for fn, (off, ty) in sorted(flat(isf, key).items()):
            if ty.get("kind") == "bitfield":
                # the bit the field starts at, and its width: set it, find the bits
                lines.append("{ %s x; unsigned char *p = (unsigned char *)&x; size_t i, lo = ~(size_t)0, n = 0;"
                             " memset(&x, 0, sizeof(x)); x.%s = -1;"
                             " for (i = 0; i < 8 * sizeof(x); i++) if (p[i / 8] >> (i %% 8) & 1) { if (lo == ~(size_t)0) lo = i; n++; }"
                             ' printf("B %s.%s %%zu %%zu\\n", lo, n); }' % (cname, fn, key, fn))
            else:
                lines.append('printf("F %s.%s %%zu\\n", __builtin_offsetof(%s, %s));'
                             % (key, fn, cname, fn))
    lines += ["return 0; }"]
    c = os.path.join(tmp, "layout.c")
    with open(c, "w") as f:
        f.write("\n".join(lines) + "\n")
    exe = os.path.join(tmp, "layout")
    r = run(["gcc", "-w", "-o", exe, c])
    if r.returncode:
        sys.exit("layout program: " + r.stderr)
    return run([exe]).stdout.split("\n")


def check_isf(tmp, isf, tag):
    ut = isf["user_types"]
    for key in TYPES:
        check(key in ut and ut[key]["fields"], "%s: user type %s" % (tag, key))
    n = 0
    for line in compiler_layout(tmp, isf):
        p = line.split()
        if not p:
            continue
        if p[0] == "S":
            check(ut[p[1]]["size"] == int(p[2]), "%s: sizeof %s = %s" % (tag, p[1], p[2]))
        elif p[0] == "F":
            t, f = p[1].split(".", 1)
            check(flat(isf, t)[f][0] == int(p[2]), "%s: offsetof %s = %s" % (tag, p[1], p[2]))
        else:
            t, f = p[1].split(".", 1)
            off, ty = flat(isf, t)[f]
            got = (off * 8 + ty["bit_position"], ty["bit_length"])
            check(got == (int(p[2]), int(p[3])), "%s: bit-field %s at bit %s, %s bits (ISF %s)"
                  % (tag, p[1], p[2], p[3], got))
        n += 1
    check(n >= 50, "%s: %d layout facts compared" % (tag, n))
    # a type defined inside a function, as dwarf2json lists it (x86-64 ABI layout)
    sl = ut.get("sched_local", {}).get("fields", {})
    check(ut.get("sched_local", {}).get("size") == 8 and sl.get("b", {}).get("offset") == 4,
          "%s: function-local struct sched_local" % tag)
    # dwarf2json's rules: a typedef directly over a (named) struct names the use site
    check(ut["cred"]["fields"]["cap_effective"]["type"] == {"kind": "struct", "name": "kernel_cap_t"},
          "%s: cred.cap_effective typed kernel_cap_t" % tag)
    arr = ut["mm_struct"]["fields"]["saved_auxv"]["type"]
    check(arr["count"] == 2 and arr["subtype"]["count"] == 23,
          "%s: 2-D array kept as arrays of arrays (%s)" % (tag, json.dumps(arr)[:80]))
    check(ut["files_struct"]["fields"]["fd_array"]["type"]["count"] == 0,
          "%s: zero-length array count 0" % tag)
    check(ut["mm_struct"]["fields"]["get_unmapped"]["type"] ==
          {"kind": "pointer", "subtype": {"kind": "function"}}, "%s: function pointer" % tag)
    # a name with two bodies: both kept, each variable typed with its own unit's body
    bodies = sorted(k for k in ut if k == "irq_info" or k.startswith("irq_info__"))
    check(len(bodies) == 2, "%s: both bodies of struct irq_info (%s)" % (tag, bodies))
    syms = isf["symbols"]
    a, b = syms["irq_info_a"]["type"]["name"], syms["irq_info_b"]["type"]["name"]
    check(a != b and ut[a]["size"] == 16 and ut[b]["size"] == 36,
          "%s: irq_info_a / irq_info_b typed with their own bodies" % tag)
    en = isf["enums"]
    check(en["neg_enum"]["constants"] == {"NEG_A": -2, "NEG_B": 5} and en["neg_enum"]["base"] == "int",
          "%s: signed enum" % tag)
    check(en["big_enum"]["size"] == 8 and en["big_enum"]["constants"]["BIG_B"] == 0x1000000000,
          "%s: 64-bit enum" % tag)
    want = {"init_task": {"kind": "struct", "name": "task_struct"},
            "init_mm": {"kind": "struct", "name": "mm_struct"},
            "init_files": {"kind": "struct", "name": "files_struct"},
            "tk_core": {"kind": "struct", "name": "tk_data"},
            "modules": {"kind": "struct", "name": "list_head"},
            "root_cred": {"kind": "struct", "name": "cred"},
            "current_task_ptr": {"kind": "pointer", "subtype": {"kind": "struct", "name": "task_struct"}},
            "notifier_call": {"kind": "pointer", "subtype": {"kind": "function"}},
            "__per_cpu_offset": {"count": 64, "kind": "array",
                                 "subtype": {"kind": "base", "name": "long unsigned int"}},
            "cpu_map": {"count": 4, "kind": "array", "subtype": {"count": 8, "kind": "array",
                        "subtype": {"kind": "base", "name": "long unsigned int"}}}}
    for n, t in sorted(want.items()):
        check(syms.get(n, {}).get("type") == t, "%s: symbol %s typed from DWARF" % (tag, n))
    banner = b"Linux version 6.1.0-ic (gcc) #1 SMP PREEMPT_DYNAMIC\n\0"
    check(syms["linux_banner"]["type"]["count"] == len(banner), "%s: linux_banner char[%d]"
          % (tag, len(banner)))
    meta = isf["metadata"]["linux"]["types"][0]
    check(meta["kind"] == "dwarf" and meta["name"].endswith("(DWARF -> BTF)"),
          "%s: metadata types kind dwarf (%s)" % (tag, meta))


def one_error(r, want_rc, pattern, what):
    lines = [l for l in r.stderr.splitlines() if l]
    ok = r.returncode == want_rc and len(lines) == 1 and "error" in lines[0] and pattern in lines[0]
    check(ok, "%s: exit %d, one error line with '%s' (got %d: %s)"
          % (what, want_rc, pattern, r.returncode, r.stderr.strip()[:300]))


def elf_section(data, name):
    """(offset, size) of a section of a little-endian ELF64 file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    def sh(i):
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        h = sh(i)
        end = data.index(b"\0", stroff + h[0])
        if data[stroff + h[0]:end] == name:
            return h[4], h[5]
    return None


def fixture(fx, f):
    r = run(["bash", os.path.join(SRC, "tests/lib/fixture.sh"), fx, f])
    if r.returncode == 77:
        return None
    if r.returncode:
        sys.exit("fixture.sh %s %s failed: %s" % (fx, f, r.stderr))
    return r.stdout.strip()


def main():
    with tempfile.TemporaryDirectory(dir=BUILD) as tmp:
        elf5, smap = build_elf(tmp, 5)
        out = os.path.join(tmp, "o.json")
        r = run([BIN, "--dwarf", elf5, "--map", smap, "-o", out, "-q"])
        if r.returncode == 4 and "not built in" in r.stderr:
            # a build without libdw: the option must say so, exit 4 as any feature not in the
            # build (CI installs libdw-dev, so there this is a failure)
            one_error(r, 4, "--dwarf is not built in", "built without libdw")
            return 1 if fails or os.environ.get("CI") else 0
        check(r.returncode == 0, "--dwarf/--map on gcc -gdwarf-5 output: exit 0 (%s)" % r.stderr.strip()[:300])
        with open(out) as f:
            check_isf(tmp, json.load(f), "dwarf5")
        elf4, smap4 = build_elf(tmp, 4)
        r = run([BIN, "--dwarf", elf4, "--map", smap4, "-o", out, "-q", "-f"])
        check(r.returncode == 0, "--dwarf/--map on gcc -gdwarf-4 output: exit 0 (%s)" % r.stderr.strip()[:300])
        with open(out) as f:
            check_isf(tmp, json.load(f), "dwarf4")

        # compressed debug sections (SHF_COMPRESSED): zlib is read by any libdw; zstd needs
        # elfutils >= 0.189, else one line saying how to decompress
        with open(out) as f:
            plain = json.load(f)
        for comp in ("zlib", "zstd"):
            z = os.path.join(tmp, "k4." + comp)
            if run(["objcopy", "--compress-debug-sections=" + comp, elf4, z]).returncode:
                print("note: objcopy cannot compress with " + comp)
                continue
            r = run([BIN, "--dwarf", z, "--map", smap4, "-o", out, "-q", "-f"])
            if r.returncode == 0:
                with open(out) as f:
                    zi = json.load(f)
                check(zi["user_types"] == plain["user_types"] and zi["symbols"] == plain["symbols"],
                      "%s-compressed debug sections: same ISF" % comp)
            elif comp == "zlib":
                check(False, "zlib-compressed debug sections: exit %d %s" % (r.returncode, r.stderr))
            else:
                one_error(r, 2, "decompress them with objcopy", comp + "-compressed, unreadable")

        # usage and bad inputs: one line, exit 1 (usage) or 2 (input)
        one_error(run([BIN, "--dwarf", elf5, "--btf", elf5, "--map", smap, "-o", out]), 1,
                  "choose one", "--dwarf with --btf")
        one_error(run([BIN, "--dwarf", elf5, "-o", out]), 1, "--map is missing", "--dwarf alone")
        obj = os.path.join(tmp, "k.o")
        run(["gcc", "-g", "-c", "-o", obj, UNITS[0]])
        one_error(run([BIN, "--dwarf", obj, "--map", smap, "-o", out, "-f"]), 2, "relocatable",
                  "--dwarf on a .o")
        nodbg = os.path.join(tmp, "k.nodebug")
        run(["objcopy", "--strip-debug", elf5, nodbg])
        one_error(run([BIN, "--dwarf", nodbg, "--map", smap, "-o", out, "-f"]), 2,
                  "no DWARF", "--dwarf on a file without DWARF")
        with open(elf5, "rb") as f:
            data = f.read()
        trunc = os.path.join(tmp, "k.trunc")
        with open(trunc, "wb") as f:
            f.write(data[:3000])
        r = run([BIN, "--dwarf", trunc, "--map", smap, "-o", out, "-f"])
        one_error(r, 2, "k.trunc", "--dwarf on a truncated ELF")
        # hostile DWARF: bytes of .debug_info overwritten; never a crash, a hang or exit 4;
        # a failure is one line naming the file
        off, size = elf_section(data, b".debug_info")
        rng = random.Random(17)
        bad = os.path.join(tmp, "k.bad")
        outcomes = {}
        for i in range(40):
            d = bytearray(data)
            for _ in range(1 + i % 8):
                p = off + rng.randrange(size)
                d[p] = rng.randrange(256)
            with open(bad, "wb") as f:
                f.write(d)
            try:
                r = run([BIN, "--dwarf", bad, "--map", smap, "-o", out, "-f", "-q"], timeout=60)
            except subprocess.TimeoutExpired:
                check(False, "corrupt .debug_info %d: hung" % i)
                continue
            outcomes[r.returncode] = outcomes.get(r.returncode, 0) + 1
            lines = [l for l in r.stderr.splitlines() if l]
            if r.returncode not in (0, 2) or (r.returncode == 2 and (len(lines) != 1 or "k.bad" not in lines[0])):
                check(False, "corrupt .debug_info %d: exit %d, stderr %s" % (i, r.returncode,
                                                                              r.stderr[:300]))
        check(set(outcomes) <= {0, 2}, "40 corrupted .debug_info variants: exits %s" % outcomes)

        # IMAGE mode: symbols, KASLR and banner from the image; only the types from --dwarf,
        # which must be the image's kernel (its linux_banner)
        lime = fixture("fx-deb12-6.1", "mem.lime")
        if lime is None:
            print("skip IMAGE mode: no fixtures (../shared)")
            return 1 if fails or os.environ.get("CI") else (77 if not fails else 1)
        one_error(run([BIN, lime, "--dwarf", elf5, "-o", out, "-f"]), 2, "is another kernel",
                  "IMAGE --dwarf of another kernel")
        with open(fixture("fx-deb12-6.1", "truth/version")) as f:
            same = build_elf(tmp, 5, f.read(), "same.elf")[0]
        r = run([BIN, lime, "--dwarf", same, "-o", out, "-f", "-q"])
        check(r.returncode == 0, "IMAGE --dwarf: exit 0 (%s)" % r.stderr.strip()[:300])
        with open(out) as f:
            isf = json.load(f)
        check("irq_info__btf" in " ".join(isf["user_types"]) and
              isf["user_types"]["task_struct"]["size"] < 1000,
              "IMAGE --dwarf: the types are the DWARF file's, not the image's BTF")
        check(isf["symbols"]["init_task"]["type"] == {"kind": "struct", "name": "task_struct"},
              "IMAGE --dwarf: init_task typed from the DWARF variable")
        check(len(isf["symbols"]) > 80000 and
              isf["metadata"]["linux"]["symbols"][0]["name"] == "kallsyms",
              "IMAGE --dwarf: symbols from the image's kallsyms")
        check(isf["metadata"]["linux"]["types"][0]["kind"] == "dwarf",
              "IMAGE --dwarf: metadata types kind dwarf")
        # the one-line summary counts the types the profile has (the test program's few
        # hundred), named by their source, not the ~100,000 of the BTF carved from the image
        r = run([BIN, lime, "--dwarf", same, "-o", out, "-f"])
        line = [l for l in r.stderr.splitlines() if "carved:" in l]
        m = re.search(r"; types: (\d+) from (\S+) \(DWARF -> BTF\), not the carved BTF;",
                      line[0] if line else "")
        check(r.returncode == 0 and m and 0 < int(m.group(1)) < 1000 and m.group(2) == same
              and not re.search(r"\(\d+ types", line[0]),
              "IMAGE --dwarf: the summary counts the DWARF types: %r" % line)
        # a reused profile (--symbols-dir, second run) stops before the types are read: the
        # summary names their source without a count; an image-only run keeps the carved count
        for label, extra, want in (("--dwarf", ["--dwarf", same],
                                    r"\(\d+ symbols\); types from %s, not the carved BTF;" %
                                    re.escape(same)),
                                   ("image-only", [], r"\(\d{5,} types, \d+ symbols\); slide")):
            sd = os.path.join(tmp, "sd-" + label)
            for n in (1, 2):
                r = run([BIN, lime, "--symbols-dir", sd] + extra)
            line = [l for l in r.stderr.splitlines() if "carved:" in l]
            check(r.returncode == 0 and line and "(reused)" in line[0] and
                  re.search(want, line[0]) and (label != "--dwarf" or "types," not in line[0]),
                  "IMAGE %s, reused: the summary says where the types came from: %r" % (label, line))
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
