"""The public configuration a widget loads first (``GET /widget/settings/?business_id=``)."""

from __future__ import annotations

from business_settings import hours
from business_settings.actions import widget_settings_of
from business_settings.widget_texts import texts


def widget_config(business) -> dict:
    ws = widget_settings_of(business)
    words = texts(ws.language)
    return {
        "business_id": business.public_id,
        "language": ws.language,
        "color": ws.color,
        "position": ws.position,
        "title": ws.title or words["title"],
        "greeting": ws.greeting or words["greeting"],
        "launcher_text": ws.launcher_text or words["launcher"],
        "prechat": {"name": ws.prechat_name, "email": ws.prechat_email},
        "open_now": hours.is_open(business),
        "texts": words,
    }
