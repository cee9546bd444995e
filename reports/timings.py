"""Durations in log-scale buckets: bucket ``b`` holds ``[RATIO**(b-1), RATIO**b)`` seconds
(bucket 0: under a second), so a percentile read from bucket counts is within about 5 % of the
exact one, whatever the range, and buckets of many days simply add up."""

from __future__ import annotations

import math

RATIO = 1.1
MAX_BUCKET = 250  # 1.1**250 s is far beyond any conversation


def bucket_of(seconds: float) -> int:
    if seconds < 1:
        return 0
    return min(MAX_BUCKET, 1 + int(math.log(seconds) / math.log(RATIO)))


def value_of(bucket: int) -> float:
    """The bucket's representative duration: the geometric middle of its bounds."""
    if bucket == 0:
        return 0.5
    return RATIO ** (bucket - 0.5)


def percentile(counts: dict[int, int], p: float) -> float | None:
    """The nearest-rank ``p`` percentile (0 < p <= 1) of bucketed durations, in seconds."""
    total = sum(counts.values())
    if not total:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return round(value_of(bucket), 1)
    raise AssertionError("unreachable")
