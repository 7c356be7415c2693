# SPDX-License-Identifier: LicenseRef-VSL-1.0
# Part of isfcarve's Volatility 3 extension, an "Addition" under the Volatility Software License 1.0
# (LICENSE.txt beside this file, https://www.volatilityfoundation.org/license/vsl-v1.0).
"""Automagic: build a profile with isfcarve when Volatility has none for the image's kernel.

Runs after the symbol cache is refreshed and before the layer stacker (whose Linux stacker needs an
ISF whose banner is in the image).  When the image holds a Linux banner that no ISF in the symbol
paths (or the remote index) carries, it runs ``isfcarve IMAGE --symbols-dir DIR`` with DIR the first
writable directory of Volatility's symbol path (``-s`` first), refreshes the symbol cache so the
new file is seen, and lets the run carry on.  The next run finds the banner in the cache and does
not start isfcarve at all.  See docs/volatility.md in isfcarve's sources.
"""

import json
import logging
import mmap
import os
import pty
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from typing import List, Optional, Set

from volatility3 import symbols
from volatility3.framework import constants, interfaces
from volatility3.framework.automagic import symbol_cache
from volatility3.framework.configuration import requirements

vollog = logging.getLogger(__name__)

# A Linux banner as the kernel keeps it in memory (linux_banner[]): printable text, one newline,
# the terminating NUL.  The ISF's identifier is the same bytes, so an exact match says "this ISF
# is for this kernel" just as the Linux stacker will decide it later.
_BANNER_RE = re.compile(rb"Linux version [\x20-\x7e]{1,480}\n\x00")
# isfcarve draws "scanning: NN% (done / total MiB)" on a terminal (docs/cli.md).
_PROGRESS_RE = re.compile(rb"scanning: +(\d{1,3})%")
_ESCAPE_RE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _bare(banner: bytes) -> bytes:
    return banner.rstrip(b"\x00").rstrip()


def _walk_requirements(req: interfaces.configuration.RequirementInterface):
    yield req
    for child in req.requirements.values():
        yield from _walk_requirements(child)


class IsfcarveProfile(interfaces.automagic.AutomagicInterface):
    """Builds a Linux profile with isfcarve when no symbol table matches the image's banner."""

    # Between SymbolCacheMagic (0: the cache is current when we look) and LayerStacker (10:
    # the Linux stacker needs the profile).
    priority = 5
    exclusion_list = ["mac", "windows"]

    @classmethod
    def get_requirements(cls) -> List[interfaces.configuration.RequirementInterface]:
        return [
            requirements.VersionRequirement(
                name="SQLiteCache",
                component=symbol_cache.SqliteCache,
                version=(1, 0, 0),
            )
        ]

    def __call__(
        self,
        context: interfaces.context.ContextInterface,
        config_path: str,
        requirement: interfaces.configuration.RequirementInterface,
        progress_callback: constants.ProgressCallback = None,
    ) -> None:
        # Only when something still needs a symbol table (a -c config or a non-symbol plugin
        # leaves nothing to do).
        if not requirement.unsatisfied(context, config_path):
            return None
        if not any(
            isinstance(r, (requirements.ModuleRequirement, requirements.SymbolTableRequirement))
            for r in _walk_requirements(requirement)
        ):
            return None
        location = context.config.get(
            interfaces.configuration.path_join(
                constants.AUTOMAGIC_CONFIG_PATH, "LayerStacker", "single_location"
            ),
            None,
        )
        image = self._local_path(location)
        if image is None:
            vollog.debug(f"isfcarve: not a local file, not profiled: {location}")
            return None

        cache = symbol_cache.SqliteCache(
            os.path.join(constants.CACHE_PATH, constants.IDENTIFIERS_FILENAME)
        )
        # Remote-index identifiers are stored without the banner's trailing "\n\0" (the cache
        # strips them), local ones with: compare both without.
        known = {
            _bare(k)
            for k in cache.get_identifier_dictionary(operating_system="linux")
            if isinstance(k, bytes)
        }
        found = self._image_banners(image)
        if {_bare(b) for b in found} & known:
            vollog.debug("isfcarve: a symbol table for this image's banner is known; not run")
            return None
        if found:
            vollog.info(f"isfcarve: no symbol table for banner {sorted(found)[0][:80]!r}")
        else:
            # Compressed containers (AVML, kdump) hide the banner from a byte scan; isfcarve
            # reads them and reuses a profile already in its directory in about a second.
            vollog.info("isfcarve: no banner in the file's bytes (compressed?); asking isfcarve")

        if self._run_isfcarve(image, progress_callback):
            cache.update(progress_callback or (lambda *_: None))
        return None

    @staticmethod
    def _local_path(location: Optional[str]) -> Optional[str]:
        if not location:
            return None
        if "://" not in location:
            path = location
        elif location.startswith("file:"):
            path = urllib.request.url2pathname(urllib.parse.urlparse(location).path)
        else:
            return None
        return path if os.path.isfile(path) else None

    @staticmethod
    def _image_banners(image: str) -> Set[bytes]:
        """The Linux banners stored plainly in the file (LiME, ELF core, raw: the usual case)."""
        found: Set[bytes] = set()
        try:
            with open(image, "rb") as f:
                if os.fstat(f.fileno()).st_size == 0:
                    return found
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                    for m in _BANNER_RE.finditer(mm):
                        found.add(m.group(0))
                        if len(found) > 64:  # a crafted image full of banners: enough to decide
                            break
        except (OSError, ValueError) as e:
            vollog.debug(f"isfcarve: cannot scan {image} for banners: {e}")
        return found

    @staticmethod
    def _symbols_dir() -> Optional[str]:
        """The user's symbols directory: the first writable entry of the symbol path (-s first)."""
        for path in symbols.__path__:
            path = os.path.abspath(path)
            if os.path.isdir(path):
                if os.access(path, os.W_OK | os.X_OK):
                    return path
            elif os.access(os.path.dirname(path) or ".", os.W_OK | os.X_OK):
                return path
        return None

    def _run_isfcarve(self, image: str, progress_callback: constants.ProgressCallback) -> bool:
        binary = os.environ.get("ISFCARVE") or shutil.which("isfcarve")
        if not binary or not os.access(binary, os.X_OK):
            vollog.warning(
                "isfcarve: not found (set ISFCARVE=/path/to/isfcarve or put it on PATH) - "
                "without it there is no profile for this image"
            )
            return False
        symdir = self._symbols_dir()
        if symdir is None:
            vollog.warning(
                "isfcarve: no writable directory in the symbol path - pass -s DIR "
                "(a writable directory) to keep the profile isfcarve builds"
            )
            return False

        with tempfile.TemporaryDirectory(prefix="isfcarve-") as tmp:
            report = os.path.join(tmp, "report.json")
            argv = [binary, image, "--symbols-dir", symdir, "--report", report]
            vollog.info(f"isfcarve: running {' '.join(argv)}")
            status, tail = self._run_with_progress(argv, progress_callback)
            profile = None
            try:
                with open(report, "r") as f:
                    profile = (json.load(f).get("profile") or {}).get("path")
            except (OSError, ValueError, AttributeError):
                pass
        if status != 0 or not profile:
            why = tail or f"exit status {status}"
            vollog.warning(
                f"isfcarve: no profile for {image} ({why}) - run `isfcarve {image} --report "
                f"FILE` to see what is missing, or give Volatility a profile with -s DIR"
            )
            return False
        vollog.info(f"isfcarve: profile {profile}")
        if progress_callback:
            progress_callback(100, "isfcarve: profile ready")
        return True

    @staticmethod
    def _run_with_progress(argv: List[str], progress_callback: constants.ProgressCallback):
        """Runs isfcarve with its stderr on a pseudo-terminal (it draws its scan progress only on
        a terminal) and passes the percentage on to Volatility's progress callback.  Returns the
        exit status and the last line isfcarve printed (its error, when it failed)."""
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, close_fds=True
            )
        except OSError as e:
            os.close(master)
            os.close(slave)
            return 127, str(e)
        os.close(slave)
        text = b""
        try:
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                text = (text + chunk)[-65536:]
                if progress_callback:
                    for mark in _PROGRESS_RE.findall(chunk):
                        progress_callback(
                            min(int(mark), 100), "isfcarve: scanning the image for a profile"
                        )
        finally:
            os.close(master)
            status = proc.wait()
        text = _ESCAPE_RE.sub(b"", text.replace(b"\r", b"\n"))
        lines = [
            ln.strip()
            for ln in text.decode("utf-8", "replace").split("\n")
            if ln.strip() and "scanning:" not in ln
        ]
        errors = [ln for ln in lines if ln.startswith("isfcarve:") and "warning" not in ln]
        tail = (errors or lines or [""])[-1]
        return status, tail
