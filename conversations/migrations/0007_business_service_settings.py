from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0006_message_created_at_default")]

    operations = [
        migrations.AddField(
            model_name="business",
            name="timezone",
            field=models.CharField(
                default="UTC",
                help_text="IANA time zone the reports count days and hours in (e.g. Europe/Paris).",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="business",
            name="auto_assign_mode",
            field=models.CharField(
                choices=[("off", "Off"), ("round_robin", "Round Robin")],
                default="off",
                help_text="Round robin spreads new chats and AI handoffs across online agents.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="business",
            name="auto_assign_capacity",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text="Most open (or pending) conversations auto-assigned to one agent.",
            ),
        ),
        migrations.AddField(
            model_name="business",
            name="auto_assign_last_agent_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="business",
            name="csat_enabled",
            field=models.BooleanField(
                default=True,
                help_text="Ask customers to rate a conversation when it is resolved.",
            ),
        ),
    ]
