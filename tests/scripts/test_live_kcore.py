#!/usr/bin/env python3
"""Live mode on a kernel without CONFIG_KALLSYMS_ALL, without root, kcore or QEMU.

A fake root (IC_LIVE_ROOT) is built from a real fixture: proc/kcore from tests/lib/kcoreconv.py
(the fixture's RAM in /proc/kcore's shape), proc/kallsyms = truth/kallsyms with only the text
symbols (t/T, what such a kernel lists), sys/kernel/btf/vmlinux = truth/btf_vmlinux,
proc/version = truth/version, boot/config-<release> = the fixture's config. Then:
  1. live mode recovers the data symbols through kcore: every symbol of the profile = System.map,
     the recovered set = what IMAGE mode recovers from the same image with the data symbols
     withheld, linux_banner's bytes = truth/version + NUL;
  2. without kcore (and no vmlinux): exit 3 and one error line naming /proc/kcore, --map and
     /boot/vmlinuz-<release>; a truncated or garbage kcore: exit 3 naming the file and offset;
  3. (x86-64 6.1, which ships its vmlinux) without kcore, linux_banner placed at its System.map
     address from /usr/lib/debug/boot/vmlinux-<release>, and from /boot/vmlinuz-<release> built
     as a bzImage-like wrapper (boot-protocol header + payload) around a gzip, an xz and (when
     the zstd tool is there) a zstd stream of that vmlinux; with kcore too, the vmlinux's
     linux_banner must agree with the recovered one (a vmlinux with the banner moved: exit 3)."""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402
import liveroot  # noqa: E402
from liveroot import live  # noqa: E402

SHARED = liveroot.SHARED
CASES = [("fx-deb12-6.1", "mem.lime"), ("fx-forky-7.2", "mem.elf")]


def syms(path):
    with open(path) as f:
        return json.load(f)["symbols"]


def bzimage(payload):
    """A bzImage-like file: boot sector and setup (setup_sects 1) with the 2.15 setup header,
    then the protected-mode part with the payload at payload_offset."""
    head = bytearray(2 * 512)
    head[0x1f1] = 1
    head[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", head, 0x206, 0x20f)
    struct.pack_into("<II", head, 0x248, 0x40, len(payload))
    return bytes(head) + b"\x90" * 0x40 + payload


def main():
    c = icfix.Counter()
    work = os.path.join(icfix.BUILD, "derived", "live")
    os.makedirs(work, exist_ok=True)
    for fx, name in CASES:
        img = icfix.fixture(fx, name)
        root = os.path.join(work, fx)
        fake = liveroot.make(fx, img, root, text=True)
        kall, version, release = fake.text_names, fake.version, fake.release
        smap, dup = liveroot.system_map(fx)
        out = os.path.join(work, fx + ".json")

        # 1. recovery through kcore
        rc, err = live(root, out)
        c.check(rc == 0, f"{fx}: live exit {rc}: {err[-800:]!r}")
        if rc == 0:
            s = syms(out)
            wrong = liveroot.wrong_symbols(s, smap, dup)
            c.check(not wrong, f"{fx}: {len(wrong)} symbols differ from System.map: {wrong[:5]}")
            rec = set(s) - kall
            for need in ("init_task", "init_mm", "init_files", "linux_banner"):
                c.check(need in s, f"{fx}: {need} missing from the live profile")
            got = __import__("base64").b64decode(s.get("linux_banner", {}).get("constant_data", ""))
            c.check(got == version + b"\0", f"{fx}: banner {got[:60]!r}")
            ref = os.path.join(work, fx + "-image.json")
            r = icfix.run("-f", "-q", "--withhold-data-syms", "--allow-partial", img, "-o", ref,
                          check=False)
            c.check(r.returncode in (0, 3), f"{fx}: IMAGE mode exit {r.returncode}")
            si = syms(ref)
            rec_img = set(si) - kall
            c.check(rec == rec_img, f"{fx}: recovered sets differ: live only {sorted(rec - rec_img)[:20]}, "
                    f"image only {sorted(rec_img - rec)[:20]}")
            diff = [n for n in rec & rec_img if s[n]["address"] != si[n]["address"]]
            c.check(not diff, f"{fx}: recovered addresses differ from IMAGE mode: {diff}")
            print(f"ok: {fx}: {len(s)} symbols = System.map, {len(rec)} recovered through kcore "
                  f"= IMAGE mode's; banner = truth")
            os.unlink(ref)
            os.unlink(out)

        # With this kernel's vmlinux beside kcore the two must agree on linux_banner; a vmlinux
        # whose banner sits elsewhere (first byte of the real one changed, a copy 4 KiB on) is
        # evidence against the recovered address: exit 3, nothing written.
        if fx == "fx-deb12-6.1":
            dbg = os.path.join(root, "usr/lib/debug/boot")
            os.makedirs(dbg)
            vml = os.path.join(dbg, "vmlinux-" + release)
            os.symlink(os.path.abspath(icfix.fixture(fx, "vmlinux")), vml)
            rc, err = live(root, out, "-v")
            c.check(rc == 0 and "agrees with" in err, f"{fx}: kcore + vmlinux: exit {rc}, {err[-300:]!r}")
            data = bytearray(open(vml, "rb").read())
            at = data.find(version + b"\0")
            data[at] = ord("X")
            data[at + 4096:at + 4096 + len(version) + 1] = version + b"\0"
            os.unlink(vml)
            with open(vml, "wb") as f:
                f.write(data)
            del data
            if os.path.exists(out):
                os.unlink(out)
            rc, err = live(root, out)
            c.check(rc == 3 and "disagrees" in err and not os.path.exists(out),
                    f"{fx}: kcore + a vmlinux with the banner elsewhere: exit {rc}, {err[-300:]!r}")
            shutil.rmtree(os.path.join(root, "usr"))
            print(f"ok: {fx}: kcore and vmlinux agree on linux_banner; a moved banner is refused")

        # A kcore cut after its headers, and one of garbage: a clean exit 3 naming the file.
        kc = os.path.join(root, "proc/kcore")
        for cut, blob in (("cut at 8 KiB", None), ("garbage", bytes(range(256)) * 64)):
            if blob is None:
                os.truncate(kc, 8192)
            else:
                with open(kc, "wb") as f:
                    f.write(blob)
            rc, err = live(root, out)
            c.check(rc == 3 and f"{kc}: offset 0x" in err and not os.path.exists(out),
                    f"{fx}: kcore {cut}: exit {rc}, {err[-400:]!r}")

        # 2. no kcore, no vmlinux: exit 3, one line naming the three ways
        os.unlink(kc)
        rc, err = live(root, out)
        lines = err.strip().splitlines()
        c.check(rc == 3 and len(lines) == 1 and "/proc/kcore" in err and "--map" in err and
                f"/boot/vmlinuz-{release}" in err and not os.path.exists(out),
                f"{fx}: no kcore: exit {rc}, {err!r}")
        if rc == 3:
            print(f"ok: {fx}: without kcore: exit 3, {lines[0][:120]}...")

        # 3. linux_banner from this kernel's vmlinux / vmlinuz
        if fx != "fx-deb12-6.1":
            shutil.rmtree(root)
            continue
        vml = icfix.fixture(fx, "vmlinux")
        vmxz = os.path.join(SHARED, "testdata", fx, "vmlinux.xz")
        data = open(vml, "rb").read()
        want = smap["linux_banner"]
        dbg = os.path.join(root, "usr/lib/debug/boot")
        os.makedirs(dbg)
        os.symlink(os.path.abspath(vml), os.path.join(dbg, "vmlinux-" + release))
        payloads = [("gzip", gzip.compress(data, 1) + struct.pack("<I", len(data) & 0xffffffff)),
                    ("xz", open(vmxz, "rb").read() + struct.pack("<I", len(data) & 0xffffffff))]
        if shutil.which("zstd"):
            z = subprocess.run(["zstd", "-1", "-c", vml], capture_output=True, check=True).stdout
            payloads.append(("zstd", z + struct.pack("<I", len(data) & 0xffffffff)))
        else:
            print("note: no zstd tool: the zstd vmlinuz is not built")
        kinds = [("/usr/lib/debug vmlinux", None)] + payloads
        for what, payload in kinds:
            if payload is not None:
                os.unlink(os.path.join(dbg, "vmlinux-" + release)) if os.path.lexists(
                    os.path.join(dbg, "vmlinux-" + release)) else None
                with open(os.path.join(root, "boot", "vmlinuz-" + release), "wb") as f:
                    f.write(bzimage(payload))
                what = f"vmlinuz ({what})"
            rc, err = live(root, out)
            s = syms(out) if rc == 0 else {}
            addr = s.get("linux_banner", {}).get("address")
            c.check(rc == 0 and addr == want, f"{fx}: {what}: exit {rc}, linux_banner "
                    f"{addr and hex(addr)} != {want:#x}; {err[-600:]!r}")
            got = __import__("base64").b64decode(s.get("linux_banner", {}).get("constant_data", ""))
            c.check(got == version + b"\0", f"{fx}: {what}: banner bytes {got[:60]!r}")
            if rc == 0 and addr == want:
                print(f"ok: {fx}: {what}: linux_banner at {addr:#x} = System.map")
            if os.path.exists(out):
                os.unlink(out)
        shutil.rmtree(root)
    c.finish()


if __name__ == "__main__":
    main()
