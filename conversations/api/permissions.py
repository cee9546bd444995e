"""DRF permissions on top of :class:`conversations.auth.Caller`."""

from rest_framework.permissions import BasePermission

from conversations.auth import Caller


class IsBusinessCaller(BasePermission):
    """An API key or an agent JWT, resolved to one business."""

    message = "Authentication credentials were not provided."

    def has_permission(self, request, view):
        return isinstance(request.auth, Caller)

    def refuses_a_role(self, method: str) -> bool:
        """Whether some business callers get a 403 on ``method`` (documented in the schema)."""
        return False


class IsManager(IsBusinessCaller):
    """API keys, owners and admins: API keys, webhooks and other agents are theirs to manage."""

    message = "Only owners and admins may do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.auth.is_manager

    def refuses_a_role(self, method: str) -> bool:
        return True
