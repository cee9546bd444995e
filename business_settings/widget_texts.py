"""Every text the widget shows, translated with Django's i18n (locale/<lang>/LC_MESSAGES).

``/widget/settings/`` sends them in the business's widget language; ``widget.js`` keeps the
English ones as a fallback.
"""

from django.utils import translation
from django.utils.translation import gettext as _


def _texts() -> dict[str, str]:
    return {
        "title": _("Chat with us"),
        "launcher": _("Chat"),
        "open_chat": _("Open chat"),
        "close_chat": _("Close chat"),
        "greeting": _("Hi! Tell us who you are and we'll get back to you right here."),
        "name": _("Name"),
        "email": _("Email"),
        "optional": _("optional"),
        "start": _("Start chat"),
        "messages": _("Messages"),
        "typing": _("Support is typing…"),
        "placeholder": _("Write a message…"),
        "your_message": _("Your message"),
        "send": _("Send"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting…"),
        "online": _("We're online"),
        "away": _("We're away, back soon"),
        "offline": _("Nobody is online — leave a message and we'll answer here"),
        "closed": _("We're closed right now — leave your email and we'll answer by email"),
        "support": _("Support"),
        "ai": _("AI assistant"),
        "notice": _("Notice"),
        "you": _("You"),
        "visitor": _("Visitor"),
        "resolved": _("This conversation was resolved. Write again any time to reopen it."),
        "rate_question": _("How did we do?"),
        "rate_scale": _("Your rating from 1 (poor) to 5 (excellent)"),
        "rate_comment": _("Anything to add? (optional)"),
        "rate_comment_label": _("Comment (optional)"),
        "rate_send": _("Send rating"),
        "rate_thanks": _("Thanks for your rating!"),
        "not_sent": _("Not sent — retrying"),
        "refused": _("This website may not use this chat."),
    }


def texts(language: str) -> dict[str, str]:
    with translation.override(language):
        return _texts()
