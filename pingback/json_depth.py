"""How deep JSON from the wire may nest: one bound for REST bodies and Socket.IO frames.

A cheap check on the raw text, before ``json.loads`` recurses: the deepest bracket nesting
outside strings.
"""

from __future__ import annotations

import re
from itertools import accumulate

# Far below Python's recursion limit, far above any legitimate payload.
MAX_DEPTH = 64

STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
BRACKET = re.compile(r"[\[\]{}]")


def depth_ok(raw: str) -> bool:
    """True when ``raw`` nests at most ``MAX_DEPTH`` levels."""
    if raw.count("[") + raw.count("{") <= MAX_DEPTH:
        return True
    steps = (1 if c in "[{" else -1 for c in BRACKET.findall(STRING.sub("", raw)))
    return max(accumulate(steps), default=0) <= MAX_DEPTH
