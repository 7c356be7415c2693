#!/usr/bin/env bash
# Install isfcarve's build and test dependencies from Debian/Ubuntu packages (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(build-essential cmake pkg-config xz-utils
      libjansson-dev libpcre2-dev zlib1g-dev liblzma-dev libbpf-dev
      python3 python3-jsonschema time
      python3-pefile python3-yara # Volatility 3 end-to-end tests (tests/scripts/test_vol_*)
      clang libclang-rt-dev zip unzip # fuzz/build.sh under test_fuzz_build.sh
      bpftool) # bpftool: test_extract.sh compares vmlinux.h with `bpftool btf dump ... format c`
# Optional: libdw-dev for the symdb generator; extra codecs for more dump formats;
# python3-snappy for the AVML tests (shared/tools/tools/avml-convert.py writes the test images);
# (time: GNU /usr/bin/time, peak RSS in tests/scripts/test_adversarial_mem.sh.)
# (clang + libclang-rt-dev: libFuzzer and the sanitizer runtimes; zip/unzip: seed corpora.
#  tests/scripts/test_fuzz_build.sh builds the fuzzers with fuzz/build.sh as OSS-Fuzz would.)
# GNU parallel for scripts/parallel-jobs.sh (its test falls back to xargs -P without it).
# makedumpfile: tests/scripts/test_makedumpfile.py runs the real producer of kdump files.
# (python3-pefile python3-yara: Volatility 3's own dependencies, for tests/scripts/test_vol_*.py,
# which run the vendored ../shared/vendor/volatility3-2.11.0 with Debian's python3.)
opt=(libdw-dev libelf-dev liblzo2-dev libsnappy-dev libzstd-dev python3-snappy parallel makedumpfile)
missing=()
for p in "${pkgs[@]}" "${opt[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${opt[@]}" || echo "optional packages not all installed" >&2
fi
