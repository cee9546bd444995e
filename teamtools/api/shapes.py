"""Query shapes the team-tool endpoints share."""

from rest_framework import serializers


class AgentQuerySerializer(serializers.Serializer):
    agent_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="API keys: the agent."
    )


class EmptyQuerySerializer(serializers.Serializer):
    """Lists without filters: any query parameter is refused."""
