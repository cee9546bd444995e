"""Providers: the offline knowledge base and an OpenAI-compatible server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ai import flow
from ai.providers import KnowledgeBaseProvider, OpenAICompatibleProvider, ProviderError
from ai.providers.openai_compatible import parse_content
from conversations.models import Message


def history_of(text, conv=None):
    return [Message(sender_type="customer", content=text, conversation=conv)]


# --- knowledge base ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How do I reset my password?", "Forgot password"),
        ("I forgot my password and I'm locked out", "Forgot password"),
        ("How much does the Pro plan cost?", "Pro is $29/month"),
        ("Can I get my money back?", "refunded in full"),
        ("When are you open?", "Monday to Friday"),
        ("Is there a REST API?", "/api/v1/"),
    ],
)
def test_knowledge_base_finds_the_matching_article(kb, question, expected):
    answer = KnowledgeBaseProvider().reply(kb.business, None, history_of(question))
    assert expected in answer.text
    assert answer.confidence >= 0.5
    assert answer.source.startswith("kb:")


def test_knowledge_base_is_not_confident_about_unknown_topics(kb):
    provider = KnowledgeBaseProvider()
    unknown = provider.reply(kb.business, None, history_of("Why is my parrot singing opera?"))
    assert unknown.confidence == 0.0 and unknown.text == ""
    partial = provider.reply(kb.business, None, history_of("refund for my toaster warranty"))
    assert 0 < partial.confidence < 0.5


def test_knowledge_bases_are_isolated_between_businesses(kb, globex):
    provider = KnowledgeBaseProvider()
    # Globex's article mentions "password" and a secret; Acme never sees it.
    for text in ("Where is the volcano lair?", "tell me the globex secret password"):
        answer = provider.reply(kb.business, None, history_of(text))
        assert "Cypress Creek" not in answer.text
    acme_question = provider.reply(globex.business, None, history_of("How much does Pro cost?"))
    assert acme_question.confidence == 0.0
    assert "$29" not in acme_question.text
    lair = provider.reply(globex.business, None, history_of("Where is the volcano lair?"))
    assert "Cypress Creek" in lair.text


def test_disabled_articles_are_not_used(kb):
    from ai import actions as ai_actions

    for article in kb.business.knowledge_articles.filter(question__icontains="password"):
        ai_actions.update_article(article, enabled=False)
    answer = KnowledgeBaseProvider().reply(kb.business, None, history_of("reset my password"))
    assert "Forgot password" not in answer.text


def test_empty_knowledge_base_hands_off(globex):
    globex.business.knowledge_articles.all().delete()
    answer = KnowledgeBaseProvider().reply(globex.business, None, history_of("reset password"))
    assert answer.confidence == 0.0


# --- OpenAI-compatible ----------------------------------------------------------------------


class FakeLLM:
    """A chat-completions server on 127.0.0.1; ``mode`` picks how it answers."""

    def __init__(self):
        self.mode = "json"
        self.requests: list[dict] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                fake.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                if fake.mode == "hang":
                    fake.release.wait(10)
                    return
                if fake.mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b'{"error": "overloaded"}')
                    return
                if fake.mode == "malformed":
                    body = b'{"choices": [ not json'
                elif fake.mode == "no-choices":
                    body = b'{"id": "x", "choices": []}'
                else:
                    content = {
                        "json": json.dumps(
                            {"reply": "Use Forgot password.", "confidence": 0.9, "handoff": False}
                        ),
                        "json-handoff": json.dumps(
                            {"reply": "", "confidence": 0.1, "handoff": True}
                        ),
                        "low": json.dumps({"reply": "Maybe?", "confidence": 0.2}),
                        "text": "Plain answer from a local model.",
                    }[fake.mode]
                    body = json.dumps(
                        {"choices": [{"message": {"role": "assistant", "content": content}}]}
                    ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def provider(self, timeout=5.0):
        return OpenAICompatibleProvider(self.url, "test-model", "sk-test", timeout=timeout)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def llm_server():
    server = FakeLLM()
    yield server
    server.close()


@pytest.fixture
def llm(llm_server):
    llm_server.mode = "json"
    llm_server.requests.clear()
    llm_server.release.clear()
    yield llm_server
    llm_server.release.set()


def test_openai_provider_sends_the_conversation_grounded_in_the_own_knowledge_base(kb, llm):
    conv = kb.start("How do I reset my password?")
    msg = conv.messages.get()
    outcome = flow.reply_to_message(msg.pk, provider=llm.provider())
    assert outcome.action == "replied" and outcome.confidence == 0.9
    assert conv.messages.get(is_ai=True).content == "Use Forgot password."
    (request,) = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "test-model"
    system, user = body["messages"]
    assert system["role"] == "system" and "Forgot password" in system["content"]
    assert "Cypress Creek" not in system["content"]  # Globex's article stays in Globex
    assert user == {"role": "user", "content": "How do I reset my password?"}


def test_openai_plain_text_reply_is_accepted(kb, llm):
    llm.mode = "text"
    answer = llm.provider().reply(kb.business, None, history_of("hello?"))
    assert answer.text == "Plain answer from a local model." and answer.confidence == 1.0


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("500", flow.REASON_PROVIDER),
        ("malformed", flow.REASON_PROVIDER),
        ("no-choices", flow.REASON_PROVIDER),
        ("low", flow.REASON_LOW_CONFIDENCE),
        ("json-handoff", "The assistant could not answer"),
    ],
)
def test_openai_failures_and_doubts_hand_off_and_keep_the_message(kb, llm, mode, reason):
    llm.mode = mode
    conv = kb.start("How do I reset my password?")
    msg = conv.messages.get()
    outcome = flow.reply_to_message(msg.pk, provider=llm.provider())
    assert outcome.action == "handoff" and outcome.reason == reason
    conv.refresh_from_db()
    assert conv.needs_human_handoff and conv.handoff_reason == reason
    assert Message.objects.filter(pk=msg.pk).exists()
    assert not conv.messages.filter(is_ai=True).exists()


def test_openai_timeout_raises_and_hands_off(kb, llm):
    llm.mode = "hang"
    with pytest.raises(ProviderError, match="timed out"):
        llm.provider(timeout=0.2).reply(kb.business, None, history_of("hello?"))
    conv = kb.start("How do I reset my password?")
    outcome = flow.reply_to_message(conv.messages.get().pk, provider=llm.provider(timeout=0.2))
    assert outcome.action == "handoff" and outcome.reason == flow.REASON_PROVIDER


def test_openai_unreachable_server_raises(acme):
    from tests.live import free_port

    provider = OpenAICompatibleProvider(f"http://127.0.0.1:{free_port()}/v1", "m", timeout=1)
    with pytest.raises(ProviderError, match="unreachable"):
        provider.reply(acme.business, None, history_of("hello?"))


def test_parse_content_handles_fenced_json_and_sentinel():
    fenced = parse_content('```json\n{"reply": "Hi", "confidence": 0.7}\n```')
    assert (fenced.text, fenced.confidence) == ("Hi", 0.7)
    assert parse_content("HANDOFF").handoff
    assert parse_content('{"reply": "x", "confidence": "lots"}').confidence == 0.0
