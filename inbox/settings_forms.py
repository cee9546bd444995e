"""Forms of the widget and business-hours settings pages (the actions validate the meaning)."""

from django import forms

from business_settings.hours import DAYS
from business_settings.models import WidgetSettings
from conversations.models import Business

W = WidgetSettings


class WidgetSettingsForm(forms.Form):
    color = forms.CharField(max_length=7, widget=forms.TextInput(attrs={"type": "color"}))
    title = forms.CharField(max_length=60, required=False)
    greeting = forms.CharField(
        max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    launcher_text = forms.CharField(max_length=30, required=False, label="Launcher text")
    position = forms.ChoiceField(choices=W.Position.choices)
    language = forms.ChoiceField(choices=W.Language.choices)
    prechat_name = forms.ChoiceField(
        choices=[(W.Field.REQUIRED, "Required"), (W.Field.OPTIONAL, "Optional")],
        label="Visitor's name",
    )
    allowed_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Allowed websites",
        help_text="One host name per line (example.com, *.example.com). Empty: any website.",
    )

    def cleaned_for_action(self) -> dict:
        data = dict(self.cleaned_data)
        data["allowed_domains"] = data["allowed_domains"].split()
        return data


def day_field(name):
    return forms.CharField(
        required=False,
        max_length=100,
        label=name,
        help_text="e.g. 09:00-12:30, 13:30-18:00; empty: closed",
    )


class BusinessHoursForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Use business hours (off: always open)")
    timezone = forms.CharField(max_length=64, label="Time zone")
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Closed all day: one date (YYYY-MM-DD) per line.",
    )
    away_message = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Automatic reply outside hours",
        help_text="Posted once per conversation. Empty: a default in the widget's language.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, name in enumerate(DAYS):
            self.fields[f"day_{i}"] = day_field(name)

    def day_fields(self):
        return [self[f"day_{i}"] for i in range(7)]

    def cleaned_for_action(self) -> dict:
        data = self.cleaned_data
        weekly: dict = {}
        for i in range(7):
            ranges = []
            for part in (data.get(f"day_{i}") or "").split(","):
                if part.strip():
                    start, _, end = part.strip().partition("-")
                    ranges.append([start.strip(), end.strip()])
            if ranges:
                weekly[str(i)] = ranges
        return {
            "enabled": data["enabled"],
            "timezone": data["timezone"].strip(),
            "weekly": weekly,
            "holidays": (data.get("holidays") or "").split(),
            "away_message": data.get("away_message") or "",
        }

    @staticmethod
    def initial_from(hours, timezone: str) -> dict:
        initial = {
            "enabled": hours.enabled,
            "timezone": timezone,
            "holidays": "\n".join(hours.holidays or []),
            "away_message": hours.away_message,
        }
        for i in range(7):
            ranges = (hours.weekly or {}).get(str(i), [])
            initial[f"day_{i}"] = ", ".join(f"{a}-{b}" for a, b in ranges)
        return initial


class ServiceSettingsForm(forms.Form):
    auto_assign_mode = forms.ChoiceField(
        choices=[
            (Business.AutoAssign.OFF, "Off: agents pick conversations themselves"),
            (Business.AutoAssign.ROUND_ROBIN, "Round robin among online agents"),
        ],
        label="Automatic assignment",
    )
    auto_assign_capacity = forms.IntegerField(
        min_value=1,
        max_value=1000,
        label="Open conversations per agent",
        help_text="Round robin skips an agent who holds this many open or pending conversations.",
    )
    csat_enabled = forms.BooleanField(
        required=False, label="Ask customers to rate resolved conversations (CSAT)"
    )

    def cleaned_for_action(self) -> dict:
        return dict(self.cleaned_data)
