"""Memory: RSS samples, optional tracemalloc top growing sites, module containers.

All of it runs on the doctor's background thread, never on a request.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import tracemalloc
from collections import OrderedDict, defaultdict, deque
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from flask_doctor.runtime.records import Site
from flask_doctor.runtime.sites import relpath
from flask_doctor.userfiles import is_user_file, is_user_module

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is a runtime dependency
    psutil = None  # type: ignore[assignment]

CONTAINER_TYPES = (dict, list, set, deque, OrderedDict, defaultdict)
_LRU_WRAPPER = type(functools.lru_cache(maxsize=None)(lambda: None))
MAX_MODULES = 200
MAX_NAMES_PER_MODULE = 200


def rss_bytes() -> int:
    """Resident set size of this process (psutil, else /proc, else 0)."""
    if psutil is not None:
        try:
            return int(psutil.Process().memory_info().rss)
        except Exception:  # pragma: no cover - exotic platforms
            pass
    try:  # pragma: no cover - psutil missing
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except Exception:  # pragma: no cover
        return 0


class Tracemalloc:
    """Top growing allocation sites since the first snapshot (opt-in: it costs ~2x allocations)."""

    def __init__(self, top: int = 10, frames: int = 1) -> None:
        self.top = top
        self.frames = frames
        self.baseline: tracemalloc.Snapshot | None = None
        self.last: list[dict[str, Any]] = []
        self.started_here = False

    def start(self) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)
            self.started_here = True

    def stop(self) -> None:
        if self.started_here and tracemalloc.is_tracing():
            tracemalloc.stop()
        self.started_here = False

    def sample(self) -> list[dict[str, Any]]:
        if not tracemalloc.is_tracing():
            return self.last
        snap = tracemalloc.take_snapshot().filter_traces(
            (
                tracemalloc.Filter(False, tracemalloc.__file__),
                tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
                tracemalloc.Filter(False, "<unknown>"),
                tracemalloc.Filter(False, os.path.join("*", "flask_doctor", "runtime", "*")),
            )
        )
        if self.baseline is None:
            self.baseline = snap
            return self.last
        stats = snap.compare_to(self.baseline, "lineno")
        growing = [s for s in stats if s.size_diff > 0][: self.top]
        self.last = [
            {
                "site": f"{relpath(s.traceback[0].filename)}:{s.traceback[0].lineno}",
                "size_bytes": s.size,
                "growth_bytes": s.size_diff,
                "count": s.count,
                "count_growth": s.count_diff,
            }
            for s in growing
        ]
        return self.last


class ContainerScanner:
    """Sizes of module-level containers and unbounded functools caches of user modules."""

    def __init__(self, roots: list[str]) -> None:
        self.roots = tuple(os.path.realpath(r) + os.sep for r in roots if r)
        self._sites: dict[tuple[str, str], Site | None] = {}
        self._mine: dict[str, bool] = {}
        self._modules: list[ModuleType] | None = None
        self._modules_seen = 0

    def user_modules(self) -> Iterator[ModuleType]:
        """The app's own modules; the list is recomputed only when sys.modules changes size."""
        if self._modules is None or self._modules_seen != len(sys.modules):
            self._modules_seen = len(sys.modules)
            self._modules = list(self._find_user_modules())
        return iter(self._modules)

    def _find_user_modules(self) -> Iterator[ModuleType]:
        count = 0
        for name, module in list(sys.modules.items()):
            if count >= MAX_MODULES:
                return
            path = getattr(module, "__file__", None)
            if not path or not is_user_module(name):
                continue
            mine = self._mine.get(path)
            if mine is None:
                mine = os.path.realpath(path).startswith(self.roots) and is_user_file(path)
                if len(self._mine) < 20_000:
                    self._mine[path] = mine
            if not mine:
                continue
            count += 1
            yield module

    def scan(self) -> list[tuple[str, str, str, int, Site | None]]:
        """``(module, name, kind, size, site)`` for every container found."""
        found = []
        for module in self.user_modules():
            names = 0
            for name, value in list(vars(module).items()):
                if name.startswith("__") or isinstance(value, (type, ModuleType)):
                    continue
                kind = ""
                size = -1
                # Look at the real type only: module globals include LocalProxy objects
                # (request, session) whose attribute access raises outside a request.
                cls = type(value)
                if issubclass(cls, CONTAINER_TYPES):
                    kind = cls.__name__
                    size = len(value)
                elif issubclass(cls, _LRU_WRAPPER):
                    try:
                        info = value.cache_info()
                    except Exception:
                        continue
                    if getattr(info, "maxsize", 0) is None:
                        kind, size = "lru_cache", int(info.currsize)
                if not kind:
                    continue
                names += 1
                if names > MAX_NAMES_PER_MODULE:
                    break
                found.append((module.__name__, name, kind, size, self._site(module, name)))
        return found

    def _site(self, module: ModuleType, name: str) -> Site | None:
        key = (module.__name__, name)
        if key in self._sites:
            return self._sites[key]
        site = None
        path = getattr(module, "__file__", "")
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                pattern = re.compile(rf"^(?:def\s+{re.escape(name)}\b|{re.escape(name)}\s*(?::[^=]*)?=)")
                for lineno, line in enumerate(fh, 1):
                    if pattern.match(line):
                        site = Site(relpath(path), lineno, name)
                        break
        except OSError:
            pass
        if site is None and path:
            site = Site(relpath(path), 0, name)
        if len(self._sites) < 10_000:
            self._sites[key] = site
        return site
