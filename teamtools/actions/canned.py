"""Canned responses: a business's saved replies with variables, inserted with ``/shortcut``.

Variables: ``{{customer.name}}``, ``{{customer.first_name}}``, ``{{customer.email}}``,
``{{agent.name}}``, ``{{agent.first_name}}``, ``{{business.name}}``, ``{{conversation.id}}``;
``{{customer.first_name | there}}`` gives a fallback for an empty value. Unknown variables are
refused when the response is saved, so a typo never reaches a customer.
"""

import re

from conversations import errors
from conversations.actions.messages import validate_content
from conversations.models import Agent, Business, Conversation
from conversations.validation import check_text
from teamtools.actions.unique import save_unique
from teamtools.models import CannedResponse

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TITLE_MAX = CannedResponse._meta.get_field("title").max_length
VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*(?:\|\s*([^{}]*?)\s*)?\}\}")


def _first(name: str) -> str:
    return name.split()[0] if name.split() else ""


VARIABLES = {
    "customer.name": lambda conv, agent: conv.customer.name,
    "customer.first_name": lambda conv, agent: _first(conv.customer.name),
    "customer.email": lambda conv, agent: conv.customer.email,
    "agent.name": lambda conv, agent: agent.display_name,
    "agent.first_name": lambda conv, agent: agent.user.first_name or _first(agent.display_name),
    "business.name": lambda conv, agent: conv.business.name,
    "conversation.id": lambda conv, agent: str(conv.pk),
}


def check_variables(content: str) -> None:
    unknown = sorted({m.group(1) for m in VARIABLE.finditer(content)} - VARIABLES.keys())
    if unknown:
        raise errors.ValidationFailed(
            f"Unknown variable {{{{{unknown[0]}}}}}; known: "
            + ", ".join(f"{{{{{v}}}}}" for v in VARIABLES)
            + ".",
            code="UNKNOWN_VARIABLE",
            field="content",
        )


def render(canned: CannedResponse, conv: Conversation, agent: Agent) -> str:
    """The text an agent inserts: every variable filled for this conversation."""

    def fill(match: re.Match) -> str:
        name, fallback = match.group(1), match.group(2) or ""
        get = VARIABLES.get(name)
        return (get(conv, agent) if get else "") or fallback

    return VARIABLE.sub(fill, canned.content)


def _validated(shortcut, title, content) -> tuple[str, str, str]:
    if not isinstance(shortcut, str) or not SHORTCUT.match(shortcut.strip().lstrip("/").lower()):
        raise errors.ValidationFailed(
            "shortcut must be 1-40 letters, digits, - or _ (e.g. refund-policy).",
            field="shortcut",
        )
    shortcut = shortcut.strip().lstrip("/").lower()
    if not isinstance(title, str) or not title.strip():
        raise errors.ValidationFailed("title must be a non-empty string.", field="title")
    title = check_text(title.strip(), "title")
    if len(title) > TITLE_MAX:
        raise errors.ValidationFailed(
            f"title is longer than {TITLE_MAX} characters.", field="title"
        )
    content = validate_content(content)
    check_variables(content)
    return shortcut, title, content


def _saved(row: CannedResponse) -> CannedResponse:
    return save_unique(
        row, f"The shortcut /{row.shortcut} is taken.", "SHORTCUT_EXISTS", "shortcut"
    )


def create_canned(business: Business, *, shortcut, title, content) -> CannedResponse:
    shortcut, title, content = _validated(shortcut, title, content)
    return _saved(
        CannedResponse(business=business, shortcut=shortcut, title=title, content=content)
    )


def update_canned(row: CannedResponse, *, shortcut=None, title=None, content=None):
    row.shortcut, row.title, row.content = _validated(
        row.shortcut if shortcut is None else shortcut,
        row.title if title is None else title,
        row.content if content is None else content,
    )
    return _saved(row)


def delete_canned(row: CannedResponse) -> None:
    row.delete()
