"""Inbox forms of the team tools."""

from django import forms
from django.conf import settings

from teamtools.queries import CHANNEL_LABELS
from teamtools.snooze_times import PRESETS


class NoteForm(forms.Form):
    content = forms.CharField(
        strip=False,
        max_length=settings.MESSAGE_MAX_LENGTH,
        error_messages={
            "required": "Write the note first.",
            "max_length": "Your note is %(show_value)d characters long; the limit is "
            "%(limit_value)d.",
        },
    )

    def clean_content(self):
        content = self.cleaned_data["content"]
        if not content.strip():
            raise forms.ValidationError("Write the note first.")
        return content


class LabelChangeForm(forms.Form):
    label = forms.IntegerField(
        min_value=1, max_value=2**62, error_messages={"required": "Pick a label."}
    )
    change = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])


class CannedForm(forms.Form):
    shortcut = forms.CharField(max_length=41, help_text="Typed after / in the reply box.")
    title = forms.CharField(max_length=120)
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), strip=False)


class SnoozeForm(forms.Form):
    preset = forms.ChoiceField(choices=[("", "a time"), *PRESETS.items()], required=False)
    until = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Pick a valid date and time."},
    )

    def clean(self):
        data = super().clean()
        if not data.get("preset") and not data.get("until"):
            raise forms.ValidationError("Pick how long to snooze, or a time.")
        return data


class CustomerForm(forms.Form):
    name = forms.CharField(required=False, max_length=200)
    email = forms.EmailField(required=False, max_length=254)
    external_id = forms.CharField(required=False, max_length=200)
    attr_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_.-]{1,64}$",
        required=False,
        error_messages={"invalid": "An attribute name is letters, digits, _ . or - (64 at most)."},
    )
    attr_value = forms.CharField(required=False, max_length=500)


class NewConversationForm(forms.Form):
    """An agent starts a conversation: an existing customer (id or email) or a new one."""

    customer = forms.CharField(required=False, max_length=254)
    new_name = forms.CharField(required=False, max_length=200)
    new_email = forms.EmailField(required=False, max_length=254)
    channel_type = forms.ChoiceField(choices=list(CHANNEL_LABELS.items()))
    message = forms.CharField(
        strip=False,
        max_length=settings.MESSAGE_MAX_LENGTH,
        error_messages={"required": "Write the first message."},
    )

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("new_name") or data.get("new_email")):
            raise forms.ValidationError("Pick a customer, or give a new one's name or email.")
        return data
