"""AI providers behind one small interface.

``provider.reply(business, conversation, history) -> AIAnswer``: ``history`` is the recent
messages of the conversation, oldest first, ending with the customer message to answer.
A provider raises :class:`ProviderError` when it cannot answer (timeout, HTTP error, bad
response); the flow then hands the conversation to a person.
"""

from ai.providers.base import AIAnswer, Provider, ProviderError
from ai.providers.knowledge_base import KnowledgeBaseProvider
from ai.providers.openai_compatible import OpenAICompatibleProvider


def get_provider(name: str) -> Provider:
    if name == "openai":
        return OpenAICompatibleProvider.from_settings()
    if name == "knowledge_base":
        return KnowledgeBaseProvider()
    raise ValueError(f"Unknown AI provider {name!r}.")


__all__ = [
    "AIAnswer",
    "KnowledgeBaseProvider",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderError",
    "get_provider",
]
