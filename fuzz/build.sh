#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# Build every fuzz/fuzz_<x>.c the way OSS-Fuzz / ClusterFuzzLite build C projects, into $OUT:
#
#   $OUT/fuzz_<x>                  the fuzzer, linked with $LIB_FUZZING_ENGINE
#   $OUT/fuzz_<x>_seed_corpus.zip  fuzz/corpus/<x>/ (the committed seeds, flat)
#   $OUT/fuzz_<x>.dict             the format magics and strings that target parses (fuzz/dict/)
#   $OUT/fuzz_<x>.options          [libfuzzer] max_len when a seed is larger than libFuzzer's
#                                  1 MiB default (none today: recover's seeds carry a cut BTF, fuzz/btf_cut.py), and a per-input timeout
#
# Honours the services' environment: $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE $OUT, $SRC
# (the checkout is $SRC/isfcarve when this script is not run from one) and $WORK (the cmake
# build directory lives in $WORK/isfcarve-build, so a second run is incremental). Run by hand
# it defaults to clang with ASan+UBSan and libFuzzer:
#
#   OUT=/tmp/out fuzz/build.sh && /tmp/out/fuzz_lime -runs=0 /tmp/lime-seeds
#
# tests/scripts/test_fuzz_build.sh runs it in CI and runs each fuzzer on its seeds.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
if [[ ! -f $ROOT/fuzz/fuzz_common.h && -n ${SRC:-} ]]; then ROOT=$SRC/isfcarve; fi
: "${OUT:?set OUT to the output directory}"
: "${CC:=clang}" "${CXX:=clang++}"
: "${CFLAGS:=-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${WORK:=$OUT/.work}"
: "${JOBS:=$(nproc)}"
B=$WORK/isfcarve-build
mkdir -p "$OUT" "$B"

targets=()
for f in "$ROOT"/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done

# The library and the fuzzers with the services' flags as given (build type "Fuzz" adds none).
# The build runs a host tool (the symdb table generator) compiled with the same flags: leaks at
# its exit are not what is fuzzed.
cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Fuzz -DBUILD_TESTING=OFF \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DIC_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" >"$B/build.sh.cmake.log" 2>&1 ||
  { cat "$B/build.sh.cmake.log" >&2; exit 1; }
ASAN_OPTIONS=detect_leaks=0 cmake --build "$B" -j"$JOBS" --target "${targets[@]}"

# Which dictionary pieces each target reads: the ISF/symdb readers parse JSON and type
# expressions, vmlinux and sysmap parse files, iomem /proc/iomem; every other target reads
# memory images.
dict_for() {
  case $1 in
    fuzz_isf | fuzz_isfbanner | fuzz_symdb) echo json kernel ;;
    fuzz_sysmap | fuzz_btf) echo kernel ;;
    fuzz_iomem) echo iomem ;;
    *) echo formats kernel ;;
  esac
}

for t in "${targets[@]}"; do
  x=${t#fuzz_}
  cp "$B/fuzz/$t" "$OUT/$t"
  rm -f "$OUT/${t}_seed_corpus.zip"
  if [[ -d $ROOT/fuzz/corpus/$x ]]; then
    (cd "$ROOT/fuzz/corpus/$x" && zip -q -j -X "$OUT/${t}_seed_corpus.zip" -- *)
  fi
  : >"$OUT/$t.dict"
  for d in $(dict_for "$t"); do grep -v '^#' "$HERE/dict/$d.dict" >>"$OUT/$t.dict"; done
  # libFuzzer cuts inputs at 1 MiB unless told: a bigger seed would never run whole.
  maxlen=$(find "$ROOT/fuzz/corpus/$x" -type f -printf '%s\n' 2>/dev/null | sort -n | tail -1)
  {
    echo "[libfuzzer]"
    echo "timeout = 30"
    if (( ${maxlen:-0} > 1048576 )); then echo "max_len = $maxlen"; fi
  } >"$OUT/$t.options"
done
echo "build.sh: ${#targets[@]} fuzzers in $OUT"
