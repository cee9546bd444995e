"""The demo business's knowledge base (used by ``python manage.py demo``)."""

from ai import actions
from ai.models import KnowledgeArticle

DEMO_ARTICLES = [
    (
        "How do I reset my password?",
        "Click 'Forgot password' on the login page and enter your email. We send a reset "
        "link that works for one hour.",
        "password, reset, forgot, login, sign in, locked out",
    ),
    (
        "What plans and prices do you offer?",
        "Free costs nothing (100 API requests/minute), Pro is $29/month (1,000/minute) and "
        "Team is $99/month (10,000/minute). Self-hosted is free and unlimited.",
        "pricing, price, plan, plans, cost, subscription, upgrade, downgrade, change plan",
    ),
    (
        "Can I get a refund?",
        "Yes: paid plans can be refunded in full within 30 days of purchase. Reply with your "
        "invoice number and we'll process it.",
        "refund, money back, cancel, charge, charged, invoice",
    ),
    (
        "What are your opening hours?",
        "Our team answers Monday to Friday, 9:00-18:00 CET. Outside those hours this "
        "assistant answers and a person follows up the next working day.",
        "hours, opening, open, available, support time, weekend",
    ),
    (
        "Do you have an API?",
        "Yes: a REST API under /api/v1/ (API keys in your settings), realtime WebSockets and "
        "signed webhooks. The OpenAPI docs are at /api/v1/docs/.",
        "api, rest, integration, webhook, developer, export, key",
    ),
]


def ensure_demo_knowledge_base(business) -> None:
    """Turn the assistant on for new conversations and give it the demo articles (once)."""
    actions.set_auto_reply(business, True)
    if KnowledgeArticle.objects.filter(business=business).exists():
        return
    for question, answer, keywords in DEMO_ARTICLES:
        actions.create_article(business, question=question, answer=answer, keywords=keywords)
