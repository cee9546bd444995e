"""Any OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, vLLM, llama.cpp, Ollama…).

The model is grounded in the business's knowledge base (the best few articles for the
question go into the system prompt) and asked to answer in a JSON object
``{"reply": str, "confidence": 0-1, "handoff": bool}``. A plain-text reply is accepted as an
answer (confidence 1.0 unless it is the ``HANDOFF`` sentinel): many local servers ignore
format instructions. The confidence is the model's own estimate; the HTTP status, the
response shape and the timeout are checked strictly and any failure raises ProviderError.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings

from ai.providers.base import AIAnswer, ProviderError
from ai.providers.knowledge_base import KnowledgeBaseProvider

SYSTEM_PROMPT = """You are the customer-support assistant of {business}. Answer the customer's \
last message briefly and only from the knowledge base below. If the answer is not in it, or the \
customer wants a person, set handoff to true. Reply with one JSON object: \
{{"reply": "<text for the customer>", "confidence": <0 to 1>, "handoff": <true|false>}}.

Knowledge base:
{articles}"""
HANDOFF_SENTINEL = "HANDOFF"


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 15.0):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "OpenAICompatibleProvider":
        return cls(
            settings.AI_OPENAI_BASE_URL,
            settings.AI_OPENAI_MODEL,
            settings.AI_OPENAI_API_KEY,
            settings.AI_TIMEOUT_SECONDS,
        )

    def messages(self, business, history: list) -> list[dict]:
        question = history[-1].content if history else ""
        found = KnowledgeBaseProvider().search(business, question, limit=3)
        articles = "\n\n".join(f"Q: {a.question}\nA: {a.answer}" for a, _, _ in found)
        system = SYSTEM_PROMPT.format(business=business.name, articles=articles or "(empty)")
        chat = [{"role": "system", "content": system}]
        for msg in history:
            role = "user" if msg.sender_type == "customer" else "assistant"
            chat.append({"role": role, "content": msg.content})
        return chat

    def reply(self, business, conversation, history: list) -> AIAnswer:
        body = json.dumps(
            {"model": self.model, "messages": self.messages(business, history), "temperature": 0.2}
        ).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 - operator-configured URL
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(1_000_000)
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"AI provider answered HTTP {exc.code}") from None
        except TimeoutError as exc:
            raise ProviderError(f"AI provider timed out after {self.timeout}s") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ProviderError(f"AI provider unreachable: {exc}") from exc
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError("AI provider sent a malformed response") from exc
        if not isinstance(content, str) or not content.strip():
            raise ProviderError("AI provider sent an empty reply")
        return parse_content(content)


def parse_content(content: str) -> AIAnswer:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("reply"), str):
        try:
            confidence = min(1.0, max(0.0, float(data.get("confidence", 1.0))))
        except (TypeError, ValueError):
            confidence = 0.0
        handoff = data.get("handoff") is True
        return AIAnswer(
            text=data["reply"].strip(),
            confidence=confidence,
            handoff=handoff,
            reason="The assistant could not answer" if handoff else "",
            source="openai",
        )
    if text.upper().startswith(HANDOFF_SENTINEL):
        return AIAnswer(
            text="", confidence=0.0, handoff=True, reason="The assistant could not answer"
        )
    return AIAnswer(text=content.strip(), confidence=1.0, source="openai")
