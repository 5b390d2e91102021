"""The dashboard's caches: small, least recently used, shared by the request threads, each value
made once however many requests ask for it at the same time. Data (data.py) keys them by the
snapshot's version, so a load makes new entries and nothing stale is served."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future


class Cache:
    """A small least-recently-used cache shared by the request threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.pending: dict = {}  # key -> Future of the request computing it
        self.lock = threading.Lock()

    def get(self, key, make: Callable):
        """The value under key; made once even when several requests ask at the same time
        (the others wait for it: a whole-database read is not worth repeating)."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
            waiting = self.pending.get(key)
            if waiting is None:
                mine = self.pending[key] = Future()
        if waiting is not None:
            return waiting.result()
        try:
            value = make()
        except BaseException as exc:
            with self.lock:
                del self.pending[key]
            mine.set_exception(exc)
            raise
        with self.lock:
            del self.pending[key]
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        mine.set_result(value)
        return value
