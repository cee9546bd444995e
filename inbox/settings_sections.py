"""The inbox settings sections, in menu order. Adding a section is one entry here, one view
and one template extending ``inbox/settings/base.html``."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    url_name: str  # in the ``inbox`` namespace
    label: str
    managers_only: bool = True


SECTIONS: list[Section] = [
    Section("settings_team", "Team"),
    Section("settings_widget", "Widget"),
    Section("settings_hours", "Business hours"),
    Section("settings_channels", "Channels"),  # customer_channels/inbox_views.py
    Section("settings_ai", "AI assistant"),
    Section("settings_api_keys", "API keys"),
    Section("settings_webhooks", "Webhooks"),
    Section("settings_service", "Assignment & ratings"),
    Section("settings_account", "My account", managers_only=False),
    Section("canned", "Canned responses", managers_only=False),  # teamtools
    Section("settings_labels", "Labels", managers_only=False),  # teamtools
    Section("settings_identity", "Identity verification"),  # teamtools
]


def visible_sections(agent) -> list[Section]:
    return [s for s in SECTIONS if agent.is_manager or not s.managers_only]
