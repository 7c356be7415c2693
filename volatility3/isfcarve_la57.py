# SPDX-License-Identifier: LicenseRef-VSL-1.0
# Part of isfcarve's Volatility 3 extension, an "Addition" under the Volatility Software License 1.0
# (LICENSE.txt beside this file, https://www.volatilityfoundation.org/license/vsl-v1.0).
"""Intel 5-level paging (LA57) for Linux images.

Volatility 3 (2.11.0) knows 4-level x86-64 paging only.  Its Linux stacker finds the kernel's top
page table (init_top_pgt) and the KASLR shifts the same way on a 5-level kernel, but walks that
table as a PML4: every translation lands in the wrong place and plugins print nothing.

This module adds:
  * Intel5Level: the 4-level layer with one more table on top (PML5, 9 bits) and 57-bit
    canonical addresses; the walk itself is Volatility's own (Intel._translate_entry follows
    _structure).
  * LinuxLA57Stacker: runs right after the Linux stacker.  When it built a 4-level layer for a
    kernel that runs with 5-level paging - VMCOREINFO's NUMBER(pgtable_l5_enabled)=1, else the
    kernel's __pgtable_l5_enabled flag, both read through the profile - it stacks an Intel5Level
    layer with the same page table, shifts and banner over the same physical layer, after
    checking that the new layer translates init_task to where the kernel image put it.
"""

import logging
import os
import re
from typing import Optional

from volatility3.framework import constants, exceptions, interfaces
from volatility3.framework.automagic import symbol_cache
from volatility3.framework.layers import intel
from volatility3.framework.symbols import linux

vollog = logging.getLogger(__name__)

# x86-64 __START_KERNEL_map: the kernel image's link-time virtual base, which maps physical 0 plus
# the physical KASLR shift (the Linux stacker's virtual_to_physical_address uses the same base).
_START_KERNEL_MAP = 0xFFFFFFFF80000000
_VMCOREINFO_MAX = 4096  # VMCOREINFO_BYTES: one page
_L5_RE = re.compile(rb"NUMBER\(pgtable_l5_enabled\)=(\d+)")


class Intel5Level(intel.Intel32e):
    """Intel 64-bit paging with five levels (CR4.LA57): 57-bit linear addresses."""

    _maxvirtaddr = 57
    _structure = [
        ("page map level 5", 9, False),
        ("page map level 4", 9, False),
        ("page directory pointer", 9, True),
        ("page directory", 9, True),
        ("page table", 9, True),
    ]


class LinuxLA57Stacker(interfaces.automagic.StackerLayerInterface):
    """Replaces the Linux stacker's 4-level layer by a 5-level one on 5-level kernels."""

    # Right after LinuxIntelStacker (35): it only acts on the layer that stacker builds.
    stack_order = 36
    exclusion_list = ["mac", "windows"]

    @classmethod
    def stack(
        cls,
        context: interfaces.context.ContextInterface,
        layer_name: str,
        progress_callback: constants.ProgressCallback = None,
    ) -> Optional[interfaces.layers.DataLayerInterface]:
        layer = context.layers[layer_name]
        # Exactly the stock 4-level layer, made for Linux (never ours, never Windows' subclass).
        if type(layer) is not intel.Intel32e or layer.metadata.get("os") != "Linux":
            return None
        banner = layer.config.get("kernel_banner", None)
        if not banner:
            return None
        table_name = cls._symbol_table(context, bytes(banner, "latin-1"))
        if table_name is None:
            return None
        table = context.symbol_space[table_name]
        if "init_top_pgt" not in table.symbols or "init_task" not in table.symbols:
            return None  # pre-4.13 kernels: no 5-level paging

        physical = layer.config["memory_layer"]
        dtb = layer.config["page_map_offset"]
        aslr_shift = layer.config.get("kernel_virtual_offset", 0) or 0
        # The stacker found the DTB as init_top_pgt's image address plus the physical shift.
        kaslr_shift = dtb - (table.get_symbol("init_top_pgt").address - _START_KERNEL_MAP)

        def image_phys(name: str) -> Optional[int]:
            if name not in table.symbols:
                return None
            return table.get_symbol(name).address - _START_KERNEL_MAP + kaslr_shift

        l5, how = cls._pgtable_l5_enabled(context, physical, image_phys)
        if l5 is False:
            vollog.debug(f"LA57: 4-level paging ({how})")
            return None

        new_name = context.layers.free_layer_name("IntelLayer")
        config_path = interfaces.configuration.path_join("IntelHelper", new_name)
        context.config[interfaces.configuration.path_join(config_path, "memory_layer")] = physical
        context.config[interfaces.configuration.path_join(config_path, "page_map_offset")] = dtb
        context.config[interfaces.configuration.path_join(config_path, "kernel_banner")] = banner
        new_layer = Intel5Level(
            context, config_path=config_path, name=new_name, metadata={"os": "Linux"}
        )
        new_layer.config["kernel_virtual_offset"] = aslr_shift

        # The check that makes a wrong guess harmless: init_task must translate to its place in
        # the kernel image, through the 5-level walk and (when the evidence was missing) not
        # through the 4-level one.
        want = image_phys("init_task")
        vaddr = table.get_symbol("init_task").address + aslr_shift
        if not cls._maps_to(new_layer, vaddr, want):
            if l5:
                vollog.warning(
                    f"LA57: the kernel says 5-level paging ({how}) but the 5-level walk does "
                    "not find init_task; keeping the 4-level layer"
                )
            return None
        if l5 is None and cls._maps_to(layer, vaddr, want):
            return None
        vollog.info(f"LA57: 5-level paging ({how or 'init_task translates only with 5 levels'})")
        return new_layer

    @staticmethod
    def _maps_to(layer, vaddr: int, want: Optional[int]) -> bool:
        if want is None:
            return False
        try:
            return layer.translate(vaddr)[0] == want
        except exceptions.InvalidAddressException:
            return False

    @staticmethod
    def _symbol_table(context: interfaces.context.ContextInterface, banner: bytes) -> Optional[str]:
        """The name of a loaded symbol table for this banner, loading it if the Linux stacker's
        copy is not in this context."""
        cache = symbol_cache.SqliteCache(
            os.path.join(constants.CACHE_PATH, constants.IDENTIFIERS_FILENAME)
        )
        isf_url = cache.find_location(banner, "linux")
        if not isf_url:
            return None
        for name in context.symbol_space:
            if context.symbol_space[name].config.get("isf_url", None) == isf_url:
                return name
        name = context.symbol_space.free_table_name("LinuxLA57")
        context.symbol_space.append(
            linux.LinuxKernelIntermedSymbols(
                context, "temporary." + name, name=name, isf_url=isf_url
            )
        )
        return name

    @staticmethod
    def _pgtable_l5_enabled(context, physical: str, image_phys):
        """(True/False/None, how): the kernel's own statement of its paging depth."""

        def read(addr: Optional[int], length: int) -> Optional[bytes]:
            if addr is None:
                return None
            try:
                return context.layers.read(physical, addr, length)
            except exceptions.InvalidAddressException:
                return None

        # VMCOREINFO: the text the kernel exports for dump tools; vmcoreinfo_data points to it
        # through the direct map, whose base is page_offset_base.
        ptr = read(image_phys("vmcoreinfo_data"), 8)
        base = read(image_phys("page_offset_base"), 8)
        if ptr and base:
            ptr_v, base_v = int.from_bytes(ptr, "little"), int.from_bytes(base, "little")
            if base_v <= ptr_v < base_v + (1 << 52):
                text = read(ptr_v - base_v, _VMCOREINFO_MAX)
                m = _L5_RE.search(text or b"")
                if m:
                    return m.group(1) != b"0", "VMCOREINFO " + m.group(0).decode()
        # The flag behind pgtable_l5_enabled() (kernels up to 6.x keep it in a variable).
        flag = read(image_phys("__pgtable_l5_enabled"), 4)
        if flag:
            value = int.from_bytes(flag, "little")
            return value != 0, f"__pgtable_l5_enabled={value}"
        return None, ""
