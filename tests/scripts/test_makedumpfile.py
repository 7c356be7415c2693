#!/usr/bin/env python3
"""The real makedumpfile (Debian's 1.7.2) as the producer of kdump files, end to end.

IC_MAKEDUMPFILE names another binary (default: `makedumpfile` on PATH, Debian's in CI), e.g. an
upstream build with snappy and zstd: `make LINKTYPE=dynamic USELZO=on USESNAPPY=on USEZSTD=on`.

From the fx-deb12-6.1 fixture's LiME an ELF core is written the way makedumpfile reads one
(program headers right after the ELF header, a PT_NOTE, PT_LOAD p_paddr = physical address).
makedumpfile then writes every variant Debian's build has (zlib -c, lzo -l, uncompressed,
flattened -F, rebuilt -R, ELF -E; dump levels 31 and 1; snappy -p and zstd -z, at 31 and 1, are
not built in Debian's 1.7.2 and are tried only if `makedumpfile -v` says they are enabled). For
each kdump output the page descriptors must use the option's codec (or store pages raw). For each:
`isfcarve` writes a profile byte-identical to the one from the LiME, and `scan --json` finds the
banner, BTF and VMCOREINFO of truth at the LiME's physical addresses.

One variant gives makedumpfile an ELF whose PT_NOTE carries the VMCOREINFO note (as /proc/vmcore
does) instead of `-i`: makedumpfile then embeds it in the sub-header, and the report must take
VMCOREINFO from the container (`from_note`).

Outside CI a missing makedumpfile is a skip (exit 77); in CI it must run."""
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "scripts"))
import icfix  # noqa: E402
import imgconv  # noqa: E402
from test_formats_scan import scan, truth  # noqa: E402

NT_PRSTATUS_SIZE = 336  # x86-64 struct elf_prstatus; makedumpfile wants a PT_NOTE, not its contents


def pad4(b):
    return b + bytes(-len(b) % 4)


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    return struct.pack("<III", len(n), len(desc), ntype) + pad4(n) + pad4(desc)


def lime_to_elf(lime, dst, vmcoreinfo):
    """ELF core from a LiME: phdrs at 64 (makedumpfile 1.7.2 ignores e_phoff), one PT_NOTE, one
    PT_LOAD per LiME range (p_vaddr 0, as QEMU's paging=false dump). The note area holds a zeroed
    NT_PRSTATUS and then a VMCOREINFO note; set_notes() chooses whether PT_NOTE covers the second.
    Returns (offset of the PT_NOTE p_filesz field, size without / with VMCOREINFO)."""
    ranges = imgconv.ranges(lime)
    core = note("CORE", 1, bytes(NT_PRSTATUS_SIZE))
    notes = core + note("VMCOREINFO", 0, vmcoreinfo)
    nph = len(ranges) + 1
    note_off = 64 + 56 * nph
    data = (note_off + len(notes) + 4095) & ~4095
    with open(lime, "rb") as src, open(dst, "wb") as o:
        o.write(b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
                struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, nph, 0, 0, 0))
        o.write(struct.pack("<IIQQQQQQ", 4, 0, note_off, 0, 0, len(core), len(core), 0))
        at = data
        for phys, _, n in ranges:
            o.write(struct.pack("<IIQQQQQQ", 1, 7, at, 0, phys, n, n, 0))
            at += n
        o.write(notes)
        o.seek(data)
        for _, foff, n in ranges:
            src.seek(foff)
            left = n
            while left:
                b = src.read(min(left, 1 << 24))
                o.write(b)
                left -= len(b)
    return 64 + 32, len(core), len(notes)


def set_notes(elf, field, size):
    with open(elf, "r+b") as f:
        for delta in (0, 8):           # p_filesz, p_memsz
            f.seek(field + delta)
            f.write(struct.pack("<Q", size))


MAKEDUMPFILE = os.environ.get("IC_MAKEDUMPFILE") or "makedumpfile"


# page_desc.flags bit of each compression option (DUMP_DH_COMPRESSED_* in diskdump_mod.h)
CODEC_FLAG = {"-c": 0x1, "-l": 0x2, "-p": 0x4, "-z": 0x20}


def page_flags(path):
    """Count of each page_desc.flags value in a plain kdump file, so a variant is known to have
    used its codec (makedumpfile stores a page raw when compressing does not shrink it)."""
    with open(path, "rb") as f:
        hdr = f.read(464)
        bs, sub_blocks, bitmap_blocks = struct.unpack_from("<iiI", hdr, 428)
        f.seek(bs + 96)
        max_mapnr = struct.unpack("<Q", f.read(8))[0]          # sub-header v6+ max_mapnr_64
        f.seek((1 + sub_blocks + bitmap_blocks // 2) * bs)
        dumped = int.from_bytes(f.read((max_mapnr + 7) // 8), "little").bit_count()
        f.seek((1 + sub_blocks + bitmap_blocks) * bs)
        descs = f.read(24 * dumped)
    counts = {}
    for i in range(dumped):
        flags = struct.unpack_from("<I", descs, 24 * i + 12)[0]
        counts[flags] = counts.get(flags, 0) + 1
    return counts


def makedumpfile(args, stdout=None):
    r = subprocess.run([MAKEDUMPFILE, *args], stdout=stdout or subprocess.PIPE,
                       stderr=subprocess.PIPE)
    out = (r.stdout or b"").decode(errors="replace") if stdout is None else ""
    return r.returncode, out + r.stderr.decode(errors="replace")


def main():
    if not shutil.which(MAKEDUMPFILE):
        if os.environ.get("IC_MAKEDUMPFILE"):
            sys.exit(f"IC_MAKEDUMPFILE={MAKEDUMPFILE}: not an executable")
        icfix.skip("makedumpfile not installed (scripts/install-deps.sh)")
    c = icfix.Counter()
    t = truth("fx-deb12-6.1")
    lime = icfix.fixture("fx-deb12-6.1", "mem.lime")
    work = os.path.join(icfix.BUILD, "derived", "makedumpfile")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    vmci = os.path.join(work, "vmcoreinfo")
    with open(vmci, "wb") as f:
        f.write(t[4])                  # truth/vmcoreinfo.txt minus its comment line
    elf = os.path.join(work, "lime.elf")
    field, core_only, with_vmci = lime_to_elf(lime, elf, t[4])

    _, ver = makedumpfile(["-v"])
    print(ver.strip().splitlines()[0] if ver.strip() else "makedumpfile -v: no output")
    enabled = {m.group(1) for m in re.finditer(r"^(lzo|snappy|zstd)\s+enabled", ver, re.M)}

    ref = scan(c, "LiME (reference)", lime, "lime", t)
    ref_prof = os.path.join(work, "profile-lime.json")
    icfix.run("-q", "-f", "-j", "2", lime, "-o", ref_prof)
    with open(ref_prof, "rb") as f:
        ref_bytes = f.read()

    def check(name, path, fmt, from_note=None, args=()):
        rep = scan(c, name, path, fmt, t, ref)
        if fmt == "kdump":
            # every page compressed with the option's codec or stored raw, and some compressed
            want = next((CODEC_FLAG[a] for a in args if a in CODEC_FLAG), 0)
            got = page_flags(path)
            print(f"  {name}: page_desc flags {got}")
            c.check(set(got) <= {0, want} and (not want or got.get(want)),
                    f"{name}: page_desc flags {got}, want 0x{want:x} (and raw pages)")
        if rep and from_note is not None:
            c.check((rep["vmcoreinfo"] or {}).get("from_note") is from_note,
                    f"{name}: vmcoreinfo from_note {(rep['vmcoreinfo'] or {}).get('from_note')}"
                    f" != {from_note}")
        out = os.path.join(work, "profile.json")
        r = icfix.run("-q", "-f", "-j", "2", path, "-o", out, check=False)
        c.check(r.returncode == 0, f"{name}: profile exit {r.returncode} {r.stderr[-300:]!r}")
        if r.returncode == 0:
            with open(out, "rb") as f:
                c.check(f.read() == ref_bytes, f"{name}: profile differs from the LiME one")
            os.unlink(out)
        return rep

    def produce(name, args, out, stdout_file=False):
        if stdout_file:
            with open(out, "wb") as f:
                rc, msg = makedumpfile(args, stdout=f)
        else:
            rc, msg = makedumpfile(args + [out])
        c.check(rc == 0 and os.path.getsize(out) > 0,
                f"{name}: makedumpfile {' '.join(args)} exited {rc}: {msg[-400:]!r}")
        return rc == 0, msg

    set_notes(elf, field, core_only)
    kd = os.path.join(work, "c31.kdump")
    ok, msg = produce("-c -d 31", ["-c", "-d", "31", "--message-level", "22", "-i", vmci, elf], kd)
    if ok:
        rep = check("makedumpfile -c -d 31 (zlib)", kd, "kdump", from_note=False, args=["-c"])
        zero = re.search(r"Pages filled with zero\s*:\s*(0x[0-9a-f]+)", msg)
        left = re.search(r"Remaining pages\s*:\s*(0x[0-9a-f]+)", msg)
        if rep and zero and left:
            want = (int(zero.group(1), 16) + int(left.group(1), 16)) * 4096
            c.check(rep["image"]["bytes"] == want,
                    f"-c -d 31: {rep['image']['bytes']} bytes present, makedumpfile wrote "
                    f"{left.group(1)} pages + {zero.group(1)} zero pages")
        else:
            c.check(False, f"-c -d 31: no page report from makedumpfile: {msg[-300:]!r}")
        os.unlink(kd)

    variants = [
        ("-l -d 31 (lzo)", ["-l", "-d", "31"], "kdump", "lzo"),
        ("-d 31 (pages stored raw)", ["-d", "31"], "kdump", None),
        ("-c -d 1 (zlib, only zero pages excluded)", ["-c", "-d", "1"], "kdump", None),
        ("-p -d 31 (snappy)", ["-p", "-d", "31"], "kdump", "snappy"),
        ("-z -d 31 (zstd)", ["-z", "-d", "31"], "kdump", "zstd"),
        ("-p -d 1 (snappy, only zero pages excluded)", ["-p", "-d", "1"], "kdump", "snappy"),
        ("-z -d 1 (zstd, only zero pages excluded)", ["-z", "-d", "1"], "kdump", "zstd"),
        # -E with dump level bit 1 (zero pages) segfaults in 1.7.2 on this input; 30 excludes the rest
        ("-E -d 30 (ELF output)", ["-E", "-d", "30"], "elf", None),
    ]
    for name, args, fmt, need in variants:
        if need and need not in enabled:
            print(f"skip: {name}: makedumpfile -v says {need} is not enabled in this build")
            continue
        out = os.path.join(work, "out.dump")
        if produce(name, args + ["-i", vmci, elf], out)[0]:
            check("makedumpfile " + name, out, fmt, args=args)
        os.unlink(out)

    # -F: flattened to stdout (what kdump setups send over ssh), then -R rebuilds the plain file
    flat = os.path.join(work, "l31.flat")
    if produce("-F -l -d 31", ["-F", "-l", "-d", "31", "-i", vmci, elf], flat, stdout_file=True)[0]:
        check("makedumpfile -F -l -d 31 (flattened)", flat, "kdump-flat")
        rebuilt = os.path.join(work, "l31-R.kdump")
        with open(flat, "rb") as f:
            r = subprocess.run([MAKEDUMPFILE, "-R", rebuilt], stdin=f, capture_output=True)
        c.check(r.returncode == 0, f"makedumpfile -R exited {r.returncode}: {r.stderr[-300:]!r}")
        if r.returncode == 0:
            check("makedumpfile -R (rebuilt from -F)", rebuilt, "kdump", args=["-l"])
            os.unlink(rebuilt)
        os.unlink(flat)

    # VMCOREINFO as an ELF note of the source (like /proc/vmcore), no -i: embedded in the dump
    set_notes(elf, field, with_vmci)
    emb = os.path.join(work, "c31-note.kdump")
    if produce("-c -d 31 (VMCOREINFO note)", ["-c", "-d", "31", elf], emb)[0]:
        with open(emb, "rb") as f:
            head = f.read(8192)
        size = struct.unpack_from("<Q", head, 4096 + 40)[0]
        c.check(size == len(t[4]), f"makedumpfile embedded {size} VMCOREINFO bytes, want {len(t[4])}")
        check("makedumpfile -c -d 31, VMCOREINFO embedded", emb, "kdump", from_note=True,
              args=["-c"])
        os.unlink(emb)
    os.unlink(elf)
    c.finish()


if __name__ == "__main__":
    main()
