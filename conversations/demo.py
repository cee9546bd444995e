"""The demo business: an owner, an agent, customers and conversations in every status."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from conversations import actions
from conversations.actions import Actor
from conversations.models import Agent, ApiKey, Business, Conversation

DEMO_BUSINESS_NAME = "PingBack Demo"
DEMO_OWNER_EMAIL = "owner@demo.pingback.test"
DEMO_AGENT_EMAIL = "agent@demo.pingback.test"
DEMO_PASSWORD = "pingback-demo"  # noqa: S105 - documented demo credential
DEMO_KEY_NAME = "Demo key"

# (customer name, email, channel, final status, messages as (sender, text))
DEMO_CONVERSATIONS = [
    (
        "Jane Smith",
        "jane@example.com",
        "webchat",
        "open",
        [
            ("customer", "Hi! Can I change the plan I'm on?"),
        ],
    ),
    (
        "Omar Haddad",
        "omar@example.com",
        "webchat",
        "open",
        [
            ("customer", "My invoice shows the wrong company name."),
            ("agent", "Sorry about that! I'll fix it right away."),
        ],
    ),
    (
        "Li Wei",
        "li.wei@example.com",
        "email",
        "pending",
        [
            ("customer", "Is there an API for exporting conversations?"),
            ("agent", "Yes: see /api/v1/conversations/. Does that cover what you need?"),
        ],
    ),
    (
        "Ana Souza",
        "ana@example.com",
        "whatsapp",
        "resolved",
        [
            ("customer", "How do I reset my password?"),
            ("agent", "Use 'Forgot password' on the login page; the link lasts an hour."),
            ("customer", "Worked, thanks!"),
        ],
    ),
    (
        "Tom Becker",
        "tom@example.com",
        "telegram",
        "closed",
        [
            ("customer", "Please delete my account."),
            ("agent", "Done. Your data is removed within 24 hours."),
        ],
    ),
]


@dataclass
class DemoResult:
    business: Business
    owner_email: str
    agent_email: str
    password: str | None  # None: the existing users kept the password they have
    api_key: str
    created: bool


def _user(email: str, first: str, last: str, password: str | None):
    """The demo user; its password is set when it is created or when one is given explicitly."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email, defaults={"email": email, "first_name": first, "last_name": last}
    )
    user.email = email
    user.is_staff = True
    if created or password is not None:
        user.set_password(password or DEMO_PASSWORD)
    user.save()
    return user, created


def _seed_conversations(business: Business, owner: Agent, agent: Agent) -> None:
    for index, (name, email, channel, status, lines) in enumerate(DEMO_CONVERSATIONS):
        customer = actions.create_customer(
            business, name=name, email=email, metadata={"page_url": "https://example.com/pricing"}
        )
        conv, _ = actions.do_start_conversation(
            business,
            customer,
            actor=Actor.of_customer(customer),
            channel_type=channel,
            opening_message=lines[0][1],
            metadata={"page_url": "https://example.com/pricing"},
        )
        responder = agent if index % 2 else owner
        for sender, text in lines[1:]:
            if sender == "agent":
                actions.do_post_message(conv, sender_type="agent", content=text, agent=responder)
            else:
                actions.do_post_message(conv, sender_type="customer", content=text)
        if any(sender == "agent" for sender, _ in lines):
            actions.do_assign(conv, responder, actor=Actor.of_agent(owner))
        if status == Conversation.Status.PENDING:
            actions.do_set_pending(conv, actor=Actor.of_agent(responder))
        elif status == Conversation.Status.RESOLVED:
            actions.do_resolve(conv, actor=Actor.of_agent(responder))
        elif status == Conversation.Status.CLOSED:
            actions.do_close(conv, actor=Actor.of_agent(responder))
    handoff_customer = actions.create_customer(
        business, name="Priya Natarajan", email="priya@example.com"
    )
    conv, _ = actions.do_start_conversation(
        business,
        handoff_customer,
        actor=Actor.of_customer(handoff_customer),
        opening_message="I'd like to talk to a person about a refund, please.",
    )
    actions.do_request_handoff(conv, reason="Customer asked for a human", actor=Actor.ai())


@transaction.atomic
def ensure_demo(*, password: str | None = None, api_key: str | None = None) -> DemoResult:
    """Create the demo business once; re-running issues a new key.

    The documented default password is only given to users it creates: re-running never
    resets a password someone changed (``--password`` sets one explicitly; or use
    ``manage.py changepassword <email>``).
    """
    business = Business.objects.filter(name=DEMO_BUSINESS_NAME).order_by("pk").first()
    created = business is None
    if created:
        business = actions.create_business(DEMO_BUSINESS_NAME, plan=Business.Plan.SELF_HOSTED)
    owner_user, owner_new = _user(DEMO_OWNER_EMAIL, "Olivia", "Owner", password)
    owner_user.is_superuser = True
    owner_user.save(update_fields=["is_superuser"])
    agent_user, agent_new = _user(DEMO_AGENT_EMAIL, "Alex", "Agent", password)
    shown = password or (DEMO_PASSWORD if owner_new and agent_new else None)
    owner = actions.add_agent(business, owner_user, Agent.Role.OWNER)
    agent = actions.add_agent(business, agent_user, Agent.Role.AGENT)
    if created:
        actions.do_set_agent_status(owner, Agent.Status.ONLINE)
        _seed_conversations(business, owner, agent)
        # After the seeded conversations (they stay without AI): new visitors get the
        # assistant, answering from the demo knowledge base.
        from ai.demo import ensure_demo_knowledge_base

        ensure_demo_knowledge_base(business)
        # A week of history for the reports page (late, like the AI's: reports import this app).
        from reports.demo import seed_history

        seed_history(business, [owner, agent])
    # The demo's email channel (replies print to the console unless EMAIL_URL is set).
    from customer_channels.demo import ensure_demo_channels

    ensure_demo_channels(business)

    raw = api_key
    if raw and not raw.startswith(ApiKey.PREFIX):
        raw = ApiKey.PREFIX + raw
    existing = (
        ApiKey.objects.filter(
            business=business, key_hash=ApiKey.hash_key(raw), revoked_at__isnull=True
        ).first()
        if raw
        else None
    )
    if existing is None:
        # A stored key cannot be shown again: replace the previous demo key with a new one.
        for old in ApiKey.objects.filter(
            business=business, name=DEMO_KEY_NAME, revoked_at__isnull=True
        ):
            actions.revoke_api_key(old)
        _, raw = actions.create_api_key(business, DEMO_KEY_NAME, created_by=owner_user, raw_key=raw)
    return DemoResult(business, DEMO_OWNER_EMAIL, DEMO_AGENT_EMAIL, shown, raw, created)
