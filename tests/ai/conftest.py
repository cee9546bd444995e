import pytest

from ai import actions as ai_actions
from ai.demo import DEMO_ARTICLES


@pytest.fixture
def kb(acme, globex):
    """Acme gets the demo articles and the AI on; Globex a different, private article."""
    ai_actions.set_auto_reply(acme.business, True)
    for question, answer, keywords in DEMO_ARTICLES:
        ai_actions.create_article(
            acme.business, question=question, answer=answer, keywords=keywords
        )
    ai_actions.create_article(
        globex.business,
        question="Where is the Globex volcano lair?",
        answer="Globex secret: the lair is under Cypress Creek.",
        keywords="volcano, lair, secret, password",
    )
    return acme


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The shared fixtures create eight users per test: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests share 127.0.0.1: the per-IP limit of anonymous calls is the REST suite's topic.
    settings.API_ANON_RATE_PER_MINUTE = 0
