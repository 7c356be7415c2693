#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# ClusterFuzzLite entry point: the project's own OSS-Fuzz-style build script.
exec "$SRC/isfcarve/fuzz/build.sh"
