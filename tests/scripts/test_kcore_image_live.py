#!/usr/bin/env python3
"""IMAGE mode given the running kernel's /proc/kcore: read in place with pread, not mmap.

This machine has no /proc/kcore, so:
  1. the procfs detection is checked on real procfs files (/proc/version, /proc/self/auxv): they
     go to the live kcore reader (whose error names the offset and says "not /proc/kcore"), not
     to the mmap opener (which called them empty files);
  2. the pread path itself is checked on tests/lib/kcoreconv.py's kcore-shaped copies of the
     fixtures, forced with IC_IMAGE_FORMAT=kcore-live (the test hook): the profile must equal
     the one from the fixture image, for the compact and the kernel (sparse, p_offset as the
     kernel writes it) layouts; a copy cut short is a clean exit 2/3 naming the file, no OUT."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

PY = os.environ.get("IC_PYTHON", "/usr/bin/python3")
SHARED = os.environ.get("IC_SHARED", os.path.join(icfix.SRC, "..", "shared"))
CONV = os.path.join(icfix.SRC, "tests", "lib", "kcoreconv.py")
CASES = [("fx-deb12-6.1", "mem.lime"), ("fx-arm64-forky-7.2", "mem.elf")]


def profile(img, out, live):
    env = dict(os.environ)
    env.pop("IC_IMAGE_FORMAT", None)
    if live:
        env["IC_IMAGE_FORMAT"] = "kcore-live"
    r = subprocess.run([icfix.BIN, "-f", "-v", img, "-o", out], capture_output=True, env=env)
    return r.returncode, r.stderr.decode(errors="replace")


def main():
    c = icfix.Counter()
    work = os.path.join(icfix.BUILD, "derived", "kcore-image-live")
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "out.json")

    # 1. procfs files are read as /proc/kcore (pread), whatever their st_size says.
    for f in ("/proc/version", "/proc/self/auxv"):
        if os.path.exists(out):
            os.unlink(out)
        rc, err = profile(f, out, False)
        c.check(rc == 2 and f"{f}: offset 0x0:" in err and "not /proc/kcore" in err and
                "procfs" in err and not os.path.exists(out), f"{f}: exit {rc}, {err[-300:]!r}")
    print("ok: procfs files go to the live kcore reader")

    for fx, name in CASES:
        tdir = os.path.join(SHARED, "testdata", fx, "truth")
        if not os.path.isdir(tdir):
            icfix.skip(f"{tdir} missing")
        img = icfix.fixture(fx, name)
        ref = os.path.join(work, fx + "-ref.json")
        rc, err = profile(img, ref, False)
        c.check(rc == 0, f"{fx}: fixture image exit {rc}: {err[-300:]!r}")
        want = open(ref, "rb").read() if rc == 0 else None
        for layout in ("compact", "kernel"):
            kc = os.path.join(work, f"{fx}-{layout}.kcore")
            subprocess.run([PY, CONV, img, tdir, kc, "--layout", layout], check=True,
                           stdout=subprocess.DEVNULL)
            rc, err = profile(kc, out, True)
            c.check(rc == 0 and "read in place with pread" in err,
                    f"{fx} {layout}: exit {rc}: {err[-400:]!r}")
            if rc == 0:
                got = open(out, "rb").read()
                c.check(got == want, f"{fx} {layout}: the pread profile differs from the image's")
                if got == want:
                    print(f"ok: {fx}: kcore ({layout}) through pread = the fixture image's profile")
            if layout == "compact":
                # Cut inside the RAM data: the reads past the end fail and are said once,
                # naming the file offset; then either the same profile (nothing needed was
                # cut) or a clean exit 2/3 with nothing written.
                os.truncate(kc, os.path.getsize(kc) // 2)
                if os.path.exists(out):
                    os.unlink(out)
                rc, err = profile(kc, out, True)
                said = err.count(f"{kc}: offset 0x") == 1 and "later failures not reported" in err
                ok = (rc == 0 and open(out, "rb").read() == want) or \
                    (rc in (2, 3) and not os.path.exists(out))
                c.check(said and ok, f"{fx}: cut kcore: exit {rc}, {err[-300:]!r}")
                if said and ok:
                    print(f"ok: {fx}: kcore cut at half: exit {rc}, the failed read named once")
            os.unlink(kc)
        os.unlink(ref)
    if os.path.exists(out):
        os.unlink(out)
    c.finish()


if __name__ == "__main__":
    main()
