"""The collector's freezer (pingback.gc_pauses): long-lived objects leave the generations that
automatic collections walk, and cyclic garbage among them is still freed by its periodic full
collection. Tick by tick, with the clock passed in; the pauses themselves are measured by
bench/topics_fanout.py (bench/README.md, issue 12)."""

import gc
import time
import weakref

import pytest

from pingback import gc_pauses


class Node:
    def __init__(self):
        self.other = self  # a reference cycle: only the collector frees it


@pytest.fixture
def freezer():
    gc.collect()
    freezer = gc_pauses.Freezer()
    yield freezer
    gc.unfreeze()  # the test process's heap goes back to the collector


def test_survivors_are_frozen_and_automatic_collections_skip_them(freezer):
    node = Node()
    gone = weakref.ref(node)
    assert freezer.tick(freezer.last_full + 1) is False  # no full collection due
    assert gc.get_freeze_count() > 0
    del node
    gc.collect()  # what an automatic full collection does: the frozen cycle is not walked
    assert gone() is not None


def test_the_full_collection_frees_frozen_garbage_when_its_period_comes(freezer):
    node = Node()
    gone = weakref.ref(node)
    freezer.tick(freezer.last_full + 1)
    del node
    assert freezer.tick(freezer.last_full + gc_pauses.FULL_SECONDS) is True
    assert gone() is None
    assert gc.get_freeze_count() > 0  # and the survivors are frozen again


def test_the_full_collection_comes_early_when_the_frozen_heap_grows_by_half(freezer):
    freezer.tick(freezer.last_full + 1)
    freezer.frozen_after_full = gc.get_freeze_count()
    garbage = [Node() for _ in range(int(freezer.frozen_after_full * gc_pauses.FULL_GROWTH) + 1)]
    gone = weakref.ref(garbage[0])
    assert freezer.tick(freezer.last_full + 1) is False  # frozen now: grown by more than half
    del garbage
    assert freezer.tick(freezer.last_full + 1) is True  # a minute later, not a quarter hour
    assert gone() is None


def test_a_server_starts_one_freezer_thread_the_test_process_none(monkeypatch):
    assert gc_pauses.freezer.enabled is False  # tests/conftest.py
    gc_pauses.freezer.start()
    assert gc_pauses.freezer.thread is None
    freezer = gc_pauses.Freezer()
    monkeypatch.setattr(gc_pauses, "FREEZE_SECONDS", 3600.0)
    freezer.start()
    first = freezer.thread
    freezer.start()
    assert first is not None and first.is_alive() and freezer.thread is first
    assert time.monotonic() - freezer.last_full < 5
