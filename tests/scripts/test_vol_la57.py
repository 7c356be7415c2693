#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Volatility 3 end to end on fx-la57-6.12: 5-level paging: stock Volatility lists nothing (control), the extension lists truth (tests/scripts/vol_e2e.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vol_e2e  # noqa: E402

vol_e2e.main(["fx-la57-6.12", "mem.elf", "--la57"])
