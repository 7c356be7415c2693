#!/usr/bin/env python3
"""Make a /proc/kcore-shaped copy of a fixture (LiME or ELF core + truth/), for tests.

Written from the kernel's fs/proc/kcore.c facts (4.19+), independently of the C reader:
  ELF64 ET_CORE, e_phoff 64, program headers, then one PT_NOTE holding "CORE" NT_PRSTATUS,
  "CORE" NT_PRPSINFO (pr_fname "vmlinux"), "CORE" NT_TASKSTRUCT and "VMCOREINFO"; one PT_LOAD per
  kclist entry in list order: KCORE_TEXT (_text.._end, p_paddr = __pa_symbol), KCORE_VMALLOC
  (vmalloc area, modules area; p_paddr -1), x86-64 KCORE_USER (vsyscall page, -1), then per
  "System RAM" resource the pages wholly inside it as KCORE_RAM (p_vaddr = __va(paddr), p_paddr
  set) followed by KCORE_VMEMMAP (its struct pages, -1). p_offset = kc_vaddr_to_offset(p_vaddr) +
  data_offset, data_offset = PAGE_ALIGN(headers + notes); kc_vaddr_to_offset is v & __VIRTUAL_MASK
  (2^47 - 1) on x86-64 (4-level), the generic v - PAGE_OFFSET (mod 2^64) elsewhere. Checked
  against a real 6.1 x86-64 /proc/kcore (docs/formats.md): 8 headers, no KCORE_USER segment.

Layouts (what responders write):
  compact  the RAM and TEXT data packed after the notes (page aligned), p_offset rewritten; the
           -1 segments keep the kernel's p_offset, past the end of the copy (data not copied).
  kernel   the kernel's own p_offset values, RAM data only, sparse (holes stay holes): the file
           ends after the last RAM byte, so KCORE_TEXT (far away) is not in it.
  zero-paddr  compact, but every p_paddr 0 as kernels before 4.11 wrote it.

PAGE_OFFSET: x86-64 truth/derived.txt page_offset_base; arm64 -(1 << (64 - TCR_EL1_T1SZ)) and
__va(pa) = pa - PHYS_OFFSET + PAGE_OFFSET (VMCOREINFO). Text: x86-64 __pa_symbol(v) =
v - 0xffffffff80000000 + phys_base; arm64 v - kimage_voffset.

usage: kcoreconv.py IMAGE TRUTHDIR OUT [--layout compact|kernel|zero-paddr]
"""
import argparse
import lzma
import os
import struct

EM_X86_64, EM_AARCH64 = 62, 183
PAGE = 4096
NO_PADDR = (1 << 64) - 1


def image_ranges(path):
    """Physical ranges of a LiME file or an ELF core: [(phys, file_off, len)], and e_machine."""
    with open(path, "rb") as f:
        head = f.read(64)
        size = os.fstat(f.fileno()).st_size
        out, machine = [], None
        if head[:4] == b"EMiL":
            off = 0
            while off < size:
                f.seek(off)
                _m, _v, s, e = struct.unpack("<IIQQ", f.read(24))
                out.append((s, off + 32, e - s + 1))
                off += 32 + e - s + 1
        elif head[:4] == b"\x7fELF":
            machine, = struct.unpack_from("<H", head, 18)
            phoff, = struct.unpack_from("<Q", head, 32)
            phnum, = struct.unpack_from("<H", head, 56)
            for i in range(phnum):
                f.seek(phoff + 56 * i)
                t, _fl, off, _va, pa, fsz, _msz = struct.unpack("<IIQQQQQ", f.read(48))
                if t == 1 and fsz and pa != NO_PADDR:
                    out.append((pa, off, fsz))
        else:
            raise SystemExit(f"{path}: neither LiME nor ELF")
    return sorted(out), machine


def read_phys(f, ranges, phys, n):
    for p, off, ln in ranges:
        if p <= phys and phys + n <= p + ln:
            f.seek(off + phys - p)
            return f.read(n)
    raise SystemExit(f"phys {phys:#x}+{n:#x} not in one range of the source image")


def truth(tdir):
    vmci_lines = [l for l in open(os.path.join(tdir, "vmcoreinfo.txt")) if not l.startswith("#")]
    kv = dict(l.rstrip("\n").split("=", 1) for l in vmci_lines if "=" in l)
    derived = {}
    p = os.path.join(tdir, "derived.txt")
    if os.path.exists(p):
        for l in open(p):
            if "=" in l and not l.startswith("#"):
                k, v = l.split("#")[0].strip().split("=", 1)
                derived[k] = int(v, 0)
    ks = os.path.join(tdir, "kallsyms.xz")
    opener = lzma.open if os.path.exists(ks) else open
    syms = {}
    with opener(ks if os.path.exists(ks) else os.path.join(tdir, "kallsyms"), "rt") as f:
        for l in f:
            a = l.split()
            if len(a) >= 3 and a[2] in ("_text", "_end") and a[2] not in syms:
                syms[a[2]] = int(a[0], 16)
    ram = []
    for l in open(os.path.join(tdir, "iomem")):
        if l.startswith(" "):
            continue  # only top-level resources (walk_system_ram_range)
        rng, name = l.split(" : ", 1)
        if name.strip() == "System RAM":
            s, e = (int(x, 16) for x in rng.split("-"))
            s = (s + PAGE - 1) // PAGE * PAGE  # whole pages only
            e = (e + 1) // PAGE * PAGE
            if e > s:
                ram.append((s, e - s))
    cmdline = open(os.path.join(tdir, "cmdline"), "rb").read().strip() if os.path.exists(
        os.path.join(tdir, "cmdline")) else b""
    return "".join(vmci_lines).encode(), kv, derived, syms, ram, cmdline


def num(kv, key):
    v = kv[key]
    return int(v, 16) if key.startswith(("SYMBOL", "KERNELOFFSET")) or v.startswith("0x") else int(v)


def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)  # noqa: E731
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("truth")
    ap.add_argument("out")
    ap.add_argument("--layout", choices=("compact", "kernel", "zero-paddr"), default="compact")
    a = ap.parse_args()

    ranges, machine = image_ranges(a.image)
    vmci, kv, derived, syms, ram, cmdline = truth(a.truth)
    if machine is None:
        machine = EM_AARCH64 if "NUMBER(kimage_voffset)" in kv else EM_X86_64
    text_v, text_len = syms["_text"], syms["_end"] - syms["_text"]
    segs = []  # (vaddr, paddr, size, has_data)
    if machine == EM_X86_64:
        page_offset = derived["page_offset_base"]
        lin = page_offset  # __va(pa) = pa + PAGE_OFFSET
        text_p = (text_v - 0xFFFFFFFF80000000 + num(kv, "NUMBER(phys_base)")) % (1 << 64)
        vmalloc = (derived["vmalloc_base"], (32 << 40) - 1)  # VMALLOC_END is inclusive
        modules = (0xFFFFFFFFC0000000, 0xFFFFFFFFFF000000 - 0xFFFFFFFFC0000000)
        vmemmap_base, user = derived["vmemmap_base"], []  # 6.1 lists no vsyscall (KCORE_USER)
    elif machine == EM_AARCH64:
        t1sz = num(kv, "NUMBER(TCR_EL1_T1SZ)")
        page_offset = (-(1 << (64 - t1sz))) % (1 << 64)
        lin = (page_offset - num(kv, "NUMBER(PHYS_OFFSET)")) % (1 << 64)
        text_p = (text_v - num(kv, "NUMBER(kimage_voffset)")) % (1 << 64)
        vs, ve = num(kv, "NUMBER(VMALLOC_START)"), num(kv, "NUMBER(VMALLOC_END)")
        vmalloc = (vs, ve - vs)
        ms, me = num(kv, "NUMBER(MODULES_VADDR)"), num(kv, "NUMBER(MODULES_END)")
        modules = (ms, me - ms)
        vmemmap_base = num(kv, "NUMBER(VMEMMAP_START)") - (num(kv, "NUMBER(PHYS_OFFSET)") // PAGE) * 64
        user = []
    else:
        raise SystemExit(f"e_machine {machine} not supported")
    segs.append((text_v, text_p, text_len, True))
    segs.append((vmalloc[0], NO_PADDR, vmalloc[1], False))
    segs.append((modules[0], NO_PADDR, modules[1], False))
    segs += [(v, NO_PADDR, n, False) for v, n in user]
    for p, n in ram:
        segs.append(((p + lin) % (1 << 64), p, n, True))
        vm_s = (vmemmap_base + p // PAGE * 64) // PAGE * PAGE
        vm_e = (vmemmap_base + (p + n) // PAGE * 64 + PAGE - 1) // PAGE * PAGE
        segs.append((vm_s % (1 << 64), NO_PADDR, vm_e - vm_s, False))

    prstatus = bytes(336 if machine == EM_X86_64 else 392)
    prpsinfo = bytearray(136)
    prpsinfo[1] = ord("R")
    prpsinfo[40:48] = b"vmlinux\0"
    prpsinfo[56:56 + min(79, len(cmdline))] = cmdline[:79]
    notes = (note(b"CORE", 1, prstatus) + note(b"CORE", 3, bytes(prpsinfo)) +
             note(b"CORE", 4, bytes(range(256)) * 16) + note(b"VMCOREINFO", 0, vmci))
    nph = 1 + len(segs)
    hdr_len = 64 + 56 * nph
    data_off = (hdr_len + len(notes) + PAGE - 1) // PAGE * PAGE
    if machine == EM_X86_64:
        kernel_off = lambda v: (v & ((1 << 47) - 1)) + data_off  # noqa: E731
    else:
        kernel_off = lambda v: (v - page_offset + data_off) % (1 << 64)  # noqa: E731

    phdrs, writes, cur = [], [], data_off
    for i, (v, p, n, has_data) in enumerate(segs):
        off = kernel_off(v)
        if has_data and a.layout in ("compact", "zero-paddr"):
            off, cur = cur, (cur + n + PAGE - 1) // PAGE * PAGE
            writes.append((off, p, n))
        elif has_data and a.layout == "kernel" and i:  # segs[0] is KCORE_TEXT
            writes.append((off, p, n))
        pp = 0 if a.layout == "zero-paddr" else p
        phdrs.append(struct.pack("<IIQQQQQQ", 1, 7, off, v, pp, n, n, PAGE))
    eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
          struct.pack("<HHIQQQIHHHHHH", 4, machine, 1, 0, 64, 0, 0, 64, 56, nph, 0, 0, 0))
    note_ph = struct.pack("<IIQQQQQQ", 4, 0, hdr_len, 0, 0, len(notes), 0, 0)
    with open(a.image, "rb") as src, open(a.out, "wb") as o:
        o.write(eh + note_ph + b"".join(phdrs) + notes)
        end = 0
        for off, p, n in writes:
            o.seek(off)
            for b in range(0, n, 8 << 20):
                ln = min(8 << 20, n - b)
                chunk = read_phys(src, ranges, p + b, ln)
                if chunk.count(0) == ln:
                    o.seek(ln, 1)  # keep zero pages sparse
                else:
                    o.write(chunk)
            end = max(end, off + n)
        o.truncate(end)
    print(f"{a.out}: {a.layout}, {nph} program headers, {len(writes)} segments with data, "
          f"PAGE_OFFSET {page_offset:#x}")


if __name__ == "__main__":
    main()
