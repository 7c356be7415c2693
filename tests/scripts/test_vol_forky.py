#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Volatility 3 end to end on fx-forky-7.2: the QEMU ELF core of a 7.2 kernel (tests/scripts/vol_e2e.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vol_e2e  # noqa: E402

vol_e2e.main(["fx-forky-7.2", "mem.elf"])
