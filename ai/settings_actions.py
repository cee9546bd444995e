"""Changing a business's AI assistant settings (``AISettings`` overrides and the auto-reply
default). Adapters check the caller manages the business."""

from __future__ import annotations

from django.db import transaction

from ai.actions import set_auto_reply
from ai.models import AISettings, effective_settings
from conversations import errors
from conversations.models import Business

FIELDS = {
    "enabled",
    "provider",
    "confidence_threshold",
    "handoff_keywords",
    "max_replies",
    "handoff_message",
}


def ai_settings_view(business: Business) -> dict:
    """What is in force (defaults filled in) and whether new chats start with the AI."""
    return {"enabled": business.ai_auto_reply_enabled, **effective_settings(business)}


def _clean(data: dict) -> dict:
    unknown = set(data) - FIELDS
    if unknown:
        raise errors.ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    out: dict = {}
    for name, value in data.items():
        if name == "enabled":
            if not isinstance(value, bool):
                raise errors.ValidationFailed("enabled must be true or false.", field=name)
        elif name == "provider":
            if value not in AISettings.Provider.values:
                raise errors.ValidationFailed(
                    f"provider must be one of {', '.join(AISettings.Provider.values)}.", field=name
                )
        elif name == "confidence_threshold":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise errors.ValidationFailed(
                    "confidence_threshold must be a number from 0 to 1.", field=name
                )
            value = float(value)
        elif name == "max_replies":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise errors.ValidationFailed("max_replies must be an integer 0-100.", field=name)
        elif name == "handoff_keywords":
            if isinstance(value, str):
                value = value.split(",")
            if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
                raise errors.ValidationFailed(
                    "handoff_keywords must be a list of phrases.", field=name
                )
            value = ",".join(k.strip() for k in value if k.strip())
            if len(value) > 500:
                raise errors.ValidationFailed("handoff_keywords is too long.", field=name)
        elif name == "handoff_message":
            if not isinstance(value, str) or len(value.strip()) > 500:
                raise errors.ValidationFailed(
                    "handoff_message must be text of at most 500 characters.", field=name
                )
            value = value.strip()
        out[name] = value
    return out


def update_ai_settings(business: Business, /, **data) -> dict:
    fields = _clean(data)
    with transaction.atomic():
        enabled = fields.pop("enabled", None)
        if enabled is not None:
            set_auto_reply(business, enabled)
        if fields:
            own, _ = AISettings.objects.select_for_update().get_or_create(business=business)
            for name, value in fields.items():
                setattr(own, name, value)
            own.save()
    return ai_settings_view(business)
