#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for fuzz/corpus/{kaslr,kaslr_arm64,recover,same_kernel}: cut from the real fixtures by
fuzz/solver_seed.c (the carvers' real findings + only the memory pages the target read), in
the variants that reach each solver path: full evidence, no VMCOREINFO, no banner, no
kallsyms, structure-only, arm64 without _text; recovery with the recoverable names withheld.

usage: make_corpus_solvers.py BUILD FIXTURES [TARGET...]   (BUILD: a cmake build dir with libisfcarve_static.a;
       FIXTURES: the decompressed fixtures, e.g. /work/fixtures)"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import btf_cut  # noqa: E402
SRC = os.path.dirname(HERE)
VMCI, KS, KS_PHYS, BANNER, BTF, STRUCT = 1 << 6, 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4

KASLR_SYMS = ["_text", "_stext", "_etext", "_end", "start_kernel", "phys_base", "init_top_pgt",
              "swapper_pg_dir", "linux_banner", "__start_BTF", "__stop_BTF", "kimage_voffset",
              "kimage_vaddr", "_sinittext", "_einittext"]
RECOVER_SYMS = KASLR_SYMS + ["sock_read_iter", "sock_write_iter", "sock_poll", "sock_close",
                             "sockfs_dname", "init_task", "init_mm", "init_files", "modules",
                             "init_pid_ns", "init_user_ns", "mem_section", "init_uts_ns"]
# ic_recover__is_recoverable(): withheld so recovery has work to do (as tests/scripts/test_recover_fixtures.py)
RECOVERABLE = ["init_task", "init_mm", "init_files", "linux_banner", "swapper_pg_dir", "init_top_pgt",
               "init_uts_ns", "init_nsproxy", "init_pid_ns", "init_user_ns", "init_net",
               "net_namespace_list", "init_struct_pid", "init_cred", "modules", "socket_file_ops",
               "sockfs_dentry_operations", "mem_section"]

X86 = [("fx-deb12-6.1", "mem.lime"), ("fx-forky-7.2", "mem.elf")]
ARM = [("fx-arm64-forky-7.2", "mem.elf")]
# (name, flags cleared after the trace, flags set after it, symbols withheld)
KASLR_VARIANTS = [
    ("full", 0, 0, []),
    ("no-vmcoreinfo", VMCI, 0, []),
    ("no-vmcoreinfo-no-banner", VMCI | BANNER, 0, []),
    ("vmcoreinfo-only", KS | KS_PHYS | BANNER | BTF, 0, []),
    ("structure-only", 0, STRUCT, []),
]
ARM_VARIANTS = KASLR_VARIANTS + [
    ("no-vmcoreinfo-no-text", VMCI, 0, ["_text"]),
    ("no-text", 0, 0, ["_text"]),
]
SAME_KERNEL_VARIANTS = [("full", 0), ("no-vmcoreinfo", VMCI), ("no-kallsyms", KS | KS_PHYS),
                        ("banner-btf-only", VMCI | KS | KS_PHYS)]
SAME_KERNEL_KNOBS = [("fx-forky-7.2-full", 1, "knobs-release-mismatch"),
                     ("fx-deb12-6.1-no-vmcoreinfo", 2 << 2 | 1 << 13, "knobs-3-releases-no-delta"),
                     ("fx-arm64-forky-7.2-banner-btf-only", 3 << 6 | 2, "knobs-4-btf-blobs")]


def tool(build, target):
    out = os.path.join(build, f"solver_seed_{target}")
    libs = subprocess.run(["pkg-config", "--libs", "jansson", "libpcre2-8", "zlib", "liblzma", "libzstd"],
                          check=True, capture_output=True, text=True).stdout.split()
    cflags = ["-O1", "-g", "-D_GNU_SOURCE", f"-I{SRC}/include", f"-I{SRC}/src", f"-I{build}/generated", f"-I{HERE}"]
    subprocess.run(["cc", *cflags, f"{HERE}/solver_seed.c", f"{HERE}/fuzz_{target}.c",
                    f"{build}/libisfcarve_static.a", *libs, "-lbpf", "-lsnappy", "-llzo2", "-lpthread", "-lm",
                    "-o", out], check=True)
    return out


# recover seeds: the first pages recovery touches kept in the seed. 150 (was 300) recovers the
# same symbols on all three fixtures (IC_FUZZ_LOG=1 replay) and keeps each seed under libFuzzer's
# 1 MiB default max_len (845-854 KB with the cut BTF)
RECOVER_KEEP_FIRST = int(os.environ.get("RECOVER_KEEP_FIRST", "150"))


def cut(exe, image, out, clr, st, syms, withhold, btf=False, keep_map=None):
    args = [exe, image, out, str(clr), str(st), "--syms", ",".join(syms)]
    if keep_map:
        # recovery reads the whole kernel image: keep the first pages and the real objects
        args += ["--keep-first", str(RECOVER_KEEP_FIRST), "--keep-map", keep_map,
                 ",".join(RECOVERABLE + ["init_nsproxy"])]
    if withhold:
        args += ["--withhold", ",".join(withhold)]
    if btf:
        args.append("--btf")
    subprocess.run(args, check=True)


def main():
    build, fixtures = sys.argv[1], sys.argv[2]
    only = sys.argv[3:]  # optional: targets to regenerate
    for target, fxs, variants in (("kaslr", X86, KASLR_VARIANTS), ("kaslr_arm64", ARM, ARM_VARIANTS)):
        if only and target not in only:
            continue
        exe = tool(build, target)
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for fx, img in fxs:
            for name, clr, st, wh in variants:
                cut(exe, os.path.join(fixtures, fx, img), os.path.join(d, f"{fx}-{name}"), clr, st, KASLR_SYMS, wh)
    if not only or "same_kernel" in only:
        # the check reads only the findings (and the banner text): one consistent kernel per
        # fixture, and the same with one piece of evidence missing
        exe = tool(build, "same_kernel")
        d = os.path.join(HERE, "corpus", "same_kernel")
        os.makedirs(d, exist_ok=True)
        for fx, img in X86 + ARM:
            for name, clr in SAME_KERNEL_VARIANTS:
                cut(exe, os.path.join(fixtures, fx, img), os.path.join(d, f"{fx}-{name}"), clr, 0, KASLR_SYMS, [])
        # and three contradictions through the knobs (the link_text field, fuzz_same_kernel.c)
        for src, knobs, name in SAME_KERNEL_KNOBS:
            with open(os.path.join(d, src), "rb") as f:
                b = bytearray(f.read())
            b[17:25] = struct.pack("<Q", knobs)
            with open(os.path.join(d, f"{name}-{src}"), "wb") as f:
                f.write(b)
    if only and "recover" not in only:
        return
    exe = tool(build, "recover")
    d = os.path.join(HERE, "corpus", "recover")
    os.makedirs(d, exist_ok=True)
    for fx, img in X86 + ARM:  # the BTF cut (btf_cut.py) keeps each seed ~1.5 MB: all three
        out = os.path.join(d, f"{fx}-withheld")
        cut(exe, os.path.join(fixtures, fx, img), out, 0, 0, RECOVER_SYMS,
            RECOVERABLE, btf=True, keep_map=os.path.join(fixtures, fx, "System.map"))
        cut_seed_btf(out)


def cut_seed_btf(path):
    """Replace a recover seed's BTF field by the BTF cut to what recovery reads (btf_cut.py):
    the whole 4-6 MB BTF in every input made libFuzzer's corpus outgrow -rss_limit_mb=2048."""
    with open(path, "rb") as f:
        b = f.read()
    o = 1 + 3 * 8
    o += 4 + struct.unpack_from("<I", b, o)[0]          # VMCOREINFO text
    n = struct.unpack_from("<I", b, o)[0]               # kallsyms entries
    o += 4
    for _ in range(n):
        o += 10 + b[o + 9]
    n = struct.unpack_from("<I", b, o)[0]               # the BTF
    small, _ = btf_cut.cut(b[o + 4:o + 4 + n], btf_cut.wanted_names(btf_cut.RECOVER_SRC))
    with open(path, "wb") as f:
        f.write(b[:o] + struct.pack("<I", len(small)) + small + b[o + 4 + n:])
    print(f"{path}: BTF {n} -> {len(small)} bytes")


if __name__ == "__main__":
    main()
