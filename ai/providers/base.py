from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AIAnswer:
    """What a provider proposes. ``confidence`` is 0-1; ``handoff`` asks for a person."""

    text: str
    confidence: float
    handoff: bool = False
    reason: str = ""
    source: str = ""  # e.g. "kb:12" for the knowledge-base article used


class ProviderError(Exception):
    """The provider could not produce an answer (network, HTTP status, malformed response)."""


class Provider(Protocol):
    name: str

    def reply(self, business, conversation, history: list) -> AIAnswer: ...
