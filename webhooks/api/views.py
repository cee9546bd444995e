"""REST adapters for webhooks: parse, resolve the caller, access_*, one action, render.

Owners, admins and API keys manage webhooks (``IsManager``); plain agents get 403.
"""

from rest_framework import status
from rest_framework.response import Response

from conversations import errors
from conversations.api.permissions import IsManager
from conversations.api.views import ApiView
from conversations.validation import is_id
from webhooks import actions, payloads
from webhooks.api.serializers import attempt_json, delivery_json, endpoint_json
from webhooks.models import WebhookDelivery

MAX_PAGE = 100


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise errors.ValidationFailed("The body must be a JSON object.")
    return request.data


def _limit(request) -> int:
    raw = request.query_params.get("limit", "50")
    try:
        limit = int(raw)
    except ValueError:
        raise errors.ValidationFailed("limit must be an integer.", field="limit") from None
    return max(1, min(limit, MAX_PAGE))


class WebhookView(ApiView):
    permission_classes = [IsManager]

    def endpoint(self, request, webhook_id):
        return actions.access_endpoint(request.auth.business, webhook_id)


class WebhookListView(WebhookView):
    def get(self, request):
        webhooks = request.auth.business.webhooks.order_by("-created_at", "-id")
        return Response({"webhooks": [endpoint_json(w) for w in webhooks]})

    def post(self, request):
        data = _body(request)
        endpoint, secret = actions.create_endpoint(
            request.auth.business,
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
        )
        return Response(endpoint_json(endpoint, secret), status=status.HTTP_201_CREATED)


class WebhookEventsView(WebhookView):
    def get(self, request):
        return Response({"events": list(payloads.CATALOGUE), "all": payloads.ALL})


class WebhookDetailView(WebhookView):
    def get(self, request, webhook_id):
        return Response(endpoint_json(self.endpoint(request, webhook_id)))

    def patch(self, request, webhook_id):
        data = _body(request)
        endpoint = actions.update_endpoint(
            self.endpoint(request, webhook_id),
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
            enabled=data.get("enabled"),
        )
        return Response(endpoint_json(endpoint))

    put = patch

    def delete(self, request, webhook_id):
        actions.delete_endpoint(self.endpoint(request, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEnableView(WebhookView):
    enabled = True

    def post(self, request, webhook_id):
        endpoint = actions.set_enabled(self.endpoint(request, webhook_id), self.enabled)
        return Response(endpoint_json(endpoint))


class WebhookDisableView(WebhookEnableView):
    enabled = False


class WebhookRotateSecretView(WebhookView):
    def post(self, request, webhook_id):
        endpoint, secret = actions.rotate_secret(self.endpoint(request, webhook_id))
        return Response(endpoint_json(endpoint, secret))


class WebhookTestView(WebhookView):
    def post(self, request, webhook_id):
        delivery = actions.send_test_event(self.endpoint(request, webhook_id))
        return Response(delivery_json(delivery), status=status.HTTP_202_ACCEPTED)


class DeliveryListView(WebhookView):
    def get(self, request, webhook_id):
        endpoint = self.endpoint(request, webhook_id)
        qs = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in WebhookDelivery.Status.values:
                raise errors.ValidationFailed(
                    f"status must be one of {', '.join(WebhookDelivery.Status.values)}.",
                    field="status",
                )
            qs = qs.filter(status=wanted)
        before = request.query_params.get("before")
        if before:
            if not is_id(before):
                raise errors.ValidationFailed("before must be a delivery id.", field="before")
            qs = qs.filter(pk__lt=int(before))
        deliveries = list(qs[: _limit(request)])
        return Response(
            {
                "deliveries": [delivery_json(d, with_payload=False) for d in deliveries],
                "nextBefore": deliveries[-1].pk if deliveries else None,
            }
        )


class DeliveryDetailView(WebhookView):
    def get(self, request, webhook_id, delivery_id):
        delivery = actions.access_delivery(self.endpoint(request, webhook_id), delivery_id)
        return Response(delivery_json(delivery))


class DeliveryAttemptsView(WebhookView):
    def get(self, request, webhook_id, delivery_id):
        delivery = actions.access_delivery(self.endpoint(request, webhook_id), delivery_id)
        return Response({"attempts": [attempt_json(a) for a in delivery.attempts.all()]})


class DeliveryReplayView(WebhookView):
    def post(self, request, webhook_id, delivery_id):
        delivery = actions.access_delivery(self.endpoint(request, webhook_id), delivery_id)
        delivery = actions.replay_delivery(delivery)
        return Response(delivery_json(delivery), status=status.HTTP_202_ACCEPTED)
