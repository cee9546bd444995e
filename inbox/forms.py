"""Input of the inbox pages: list filters and the forms behind every action button."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.conf import settings

from conversations.models import Agent, Conversation
from conversations.validation import is_id

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUS_FILTERS = [("all", "All"), *Conversation.Status.choices]


def encode_cursor(conv: Conversation) -> str:
    micros = (conv.last_activity_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{conv.pk}"


def decode_cursor(raw: str) -> tuple[datetime, int]:
    micros, _, pk = raw.partition("_")
    if not (is_id(micros) and is_id(pk)):
        raise forms.ValidationError("Invalid page cursor.")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        raise forms.ValidationError("Invalid page cursor.") from None


class InboxFilterForm(forms.Form):
    """``status``: a status or all; ``assignee``: me, unassigned, an agent id or any."""

    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    assignee = forms.CharField(required=False, max_length=20)
    handoff = forms.BooleanField(required=False)
    cursor = forms.CharField(required=False, max_length=40)
    label = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    q = forms.CharField(required=False, max_length=200, strip=True)
    current = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def clean(self):
        data = super().clean()
        # The conversation open next to the list (highlighted), not a filter.
        self.current_id = data.pop("current", None)
        return data

    def clean_status(self):
        return self.cleaned_data["status"] or Conversation.Status.OPEN

    def clean_assignee(self):
        value = self.cleaned_data["assignee"] or "any"
        if value in ("any", "me", "unassigned") or is_id(value):
            return value
        raise forms.ValidationError("assignee must be me, unassigned, any or an agent id.")

    def clean_cursor(self):
        raw = self.cleaned_data["cursor"]
        return decode_cursor(raw) if raw else None


class ReplyForm(forms.Form):
    content = forms.CharField(
        strip=False,
        max_length=settings.MESSAGE_MAX_LENGTH,
        error_messages={
            "required": "Write a message first.",
            "max_length": "Your reply is %(show_value)d characters long; the limit is "
            "%(limit_value)d. Shorten it or send it in two parts.",
        },
    )
    client_id = forms.CharField(required=False, max_length=100)

    def clean_content(self):
        content = self.cleaned_data["content"]
        if not content.strip():
            raise forms.ValidationError("Write a message first.")
        return content


class AssignForm(forms.Form):
    """``assignee``: ``me``, an agent id of this business, or empty to unassign."""

    assignee = forms.CharField(required=False, max_length=20)

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        if value in ("", "me") or value.isdigit():
            return value
        raise forms.ValidationError("Choose an agent.")


class StatusForm(forms.Form):
    ACTIONS = ["resolve", "close", "reopen", "pending", "open"]
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])


class ReadForm(forms.Form):
    up_to_id = forms.IntegerField(required=False, min_value=1, max_value=2**62)


class AgentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Agent.Status.choices)


class SwitchBusinessForm(forms.Form):
    business = forms.CharField(max_length=32)


class PresenceIdleForm(forms.Form):
    connection = forms.CharField(max_length=64)
    idle = forms.TypedChoiceField(
        choices=[("true", "idle"), ("false", "active")], coerce=lambda v: v == "true"
    )


class PreferencesForm(forms.Form):
    """Unchecked boxes are absent from the POST: every field is a plain optional checkbox."""

    sound = forms.BooleanField(required=False, label="Play a sound")
    desktop = forms.BooleanField(required=False, label="Show a desktop notification")
    email = forms.BooleanField(required=False, label="Email me when no inbox tab of mine is open")
    on_new_conversation = forms.BooleanField(required=False, label="A new conversation arrives")
    on_message_assigned = forms.BooleanField(
        required=False, label="A customer writes in a conversation assigned to me"
    )
    on_assigned_to_me = forms.BooleanField(required=False, label="A conversation is assigned to me")
    on_handoff = forms.BooleanField(required=False, label="A customer asks for a person (handoff)")
