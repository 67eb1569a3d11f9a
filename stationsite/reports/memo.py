"""Drawings remembered by what they draw.

A chart or a map is a pure function of its figures, its language and the map settings, and
drawing one costs more than computing the figures (pygal and folium/branca work in Python,
branca compiles a Jinja template per element). So each drawing is kept under a digest of
everything it is drawn from: the same figures give back the same SVG or HTML at once, and any
change in a figure, the language or the tiles draws anew. Nothing is ever served stale, and
nothing needs to be told that data changed. A small LRU per worker bounds the memory.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

KEEP = 256  # drawings per worker: a chart is ~20 KB, a map of use ~300 KB


class Drawings:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._kept: OrderedDict[bytes, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def digest(*parts) -> bytes:
        """A digest of plain data (tuples, lists, dicts, dates, numbers, strings, dataclasses)."""
        return hashlib.blake2b(pickle.dumps(parts, protocol=5), digest_size=20).digest()

    def get(self, parts: tuple, draw: Callable[[], T]) -> T:
        key = self.digest(*parts)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                self.hits += 1
                return self._kept[key]  # type: ignore[return-value]
        made = draw()
        with self._lock:
            self.misses += 1
            self._kept[key] = made
            while len(self._kept) > self.keep:
                self._kept.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.hits = self.misses = 0


drawings = Drawings()
