"""JSON shapes of webhooks, deliveries and attempts (camelCase, like the sessions API)."""

from conversations.snapshots import iso
from webhooks import actions


def endpoint_json(endpoint, secret: str | None = None) -> dict:
    data = {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "enabled": endpoint.enabled,
        "disabledReason": endpoint.disabled_reason or None,
        "disabledAt": iso(endpoint.disabled_at),
        "failingSince": iso(endpoint.failing_since),
        "createdAt": iso(endpoint.created_at),
        "updatedAt": iso(endpoint.updated_at),
    }
    if secret is not None:
        data["secret"] = secret  # only in the answers to create and rotate
    return data


def delivery_json(delivery, *, with_payload: bool = True) -> dict:
    data = {
        "id": delivery.pk,
        "webhookId": delivery.endpoint_id,
        "eventId": delivery.webhook_id,
        "event": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempt_count,
        "nextAttemptAt": iso(delivery.next_attempt_at)
        if delivery.status == delivery.Status.PENDING
        else None,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error or None,
        "createdAt": iso(delivery.created_at),
        "completedAt": iso(delivery.completed_at),
    }
    if with_payload:
        data["payload"] = actions.payload_of(delivery)
    return data


def attempt_json(attempt) -> dict:
    return {
        "number": attempt.number,
        "startedAt": iso(attempt.started_at),
        "durationMs": attempt.duration_ms,
        "statusCode": attempt.status_code,
        "success": attempt.success,
        "responseBody": attempt.response_body,
        "error": attempt.error or None,
    }
