"""Conversations that already carry labels get ``has_labels`` (kept by the labels action)."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def mark_labelled(apps, schema_editor):
    Conversation = apps.get_model("conversations", "Conversation")
    ConversationLabel = apps.get_model("teamtools", "ConversationLabel")
    links = ConversationLabel.objects.filter(conversation=OuterRef("pk"))
    Conversation.objects.filter(Exists(links)).update(has_labels=True)


class Migration(migrations.Migration):
    dependencies = [
        ("teamtools", "0002_identity_secret"),
        ("conversations", "0010_conversation_has_labels"),
    ]

    operations = [migrations.RunPython(mark_labelled, migrations.RunPython.noop)]
