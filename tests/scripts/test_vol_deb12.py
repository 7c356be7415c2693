#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Volatility 3 end to end on fx-deb12-6.1: the LiME image (insmod and lime are the documented extras); also the second run (no isfcarve) and isfcarve missing (tests/scripts/vol_e2e.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vol_e2e  # noqa: E402

vol_e2e.main(["fx-deb12-6.1", "mem.lime", "--reuse"])
