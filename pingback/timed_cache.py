"""A per-process cache whose entries expire after a few seconds.

For answers asked on a hot path (every message) from rows that rarely change: a business's
hours (the away reply), whether it has an enabled webhook (the webhook subscriber). The process
that changes such a row forgets its entry at once (``forget``); other processes see the change
within ``seconds``. Keys should never be reused for something else (public ids, not row ids,
which repeat across rolled-back test transactions).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from time import monotonic
from typing import Generic, TypeVar

V = TypeVar("V")


class TimedCache(Generic[V]):
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The entry for ``key``, from ``load()`` when it is missing or older than ``seconds``."""
        now = monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        self._entries[key] = (now + self.seconds, value)
        return value

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)
