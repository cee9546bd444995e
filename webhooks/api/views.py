"""REST adapters for webhooks: parse, resolve the caller, access_*, one action, render.

Owners, admins and API keys manage webhooks (``IsManager``); plain agents get 403.
"""

from rest_framework import status
from rest_framework.response import Response

from conversations import errors
from conversations.api.bodies import json_object
from conversations.api.pagination import page_by_id
from conversations.api.permissions import IsManager
from conversations.api.views import ApiView
from conversations.validation import is_id
from webhooks import actions, payloads
from webhooks.api import schema as doc
from webhooks.api.serializers import attempt_json, delivery_json, endpoint_json
from webhooks.models import WebhookDelivery

MAX_PAGE = 100


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
    @doc.describe("webhooks_list", "List webhooks", responses={200: doc.WebhookListOut})
    def get(self, request):
        webhooks = request.auth.business.webhooks.order_by("-created_at", "-id")
        return Response({"webhooks": [endpoint_json(w) for w in webhooks]})

    @doc.describe(
        "webhooks_create",
        "Register a webhook",
        request=doc.WebhookInput,
        responses={201: doc.WebhookWithSecretOut, 400: doc.BAD_INPUT},
    )
    def post(self, request):
        data = json_object(request)
        endpoint, secret = actions.create_endpoint(
            request.auth.business,
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
        )
        return Response(endpoint_json(endpoint, secret), status=status.HTTP_201_CREATED)


class WebhookEventsView(WebhookView):
    @doc.describe(
        "webhooks_events_list",
        "Events a webhook can subscribe to",
        responses={200: doc.WebhookEventsOut},
    )
    def get(self, request):
        return Response({"events": list(payloads.CATALOGUE), "all": payloads.ALL})


class WebhookDetailView(WebhookView):
    @doc.describe("webhooks_retrieve", "Get a webhook", responses={200: doc.WebhookOut})
    def get(self, request, webhook_id):
        return Response(endpoint_json(self.endpoint(request, webhook_id)))

    @doc.describe(
        "webhooks_update",
        "Change a webhook (PUT is the same partial update)",
        request=doc.WebhookUpdateInput,
        responses={200: doc.WebhookOut, 400: doc.BAD_INPUT},
    )
    def patch(self, request, webhook_id):
        data = json_object(request)
        endpoint = actions.update_endpoint(
            self.endpoint(request, webhook_id),
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
            enabled=data.get("enabled"),
        )
        return Response(endpoint_json(endpoint))

    @doc.describe(
        "webhooks_replace",
        "Change a webhook (the same as PATCH)",
        request=doc.WebhookUpdateInput,
        responses={200: doc.WebhookOut, 400: doc.BAD_INPUT},
    )
    def put(self, request, webhook_id):
        return self.patch(request, webhook_id)

    @doc.describe("webhooks_destroy", "Delete a webhook", responses={204: None})
    def delete(self, request, webhook_id):
        actions.delete_endpoint(self.endpoint(request, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEnableView(WebhookView):
    enabled = True

    @doc.describe(
        "webhooks_enable", "Enable a webhook", request=None, responses={200: doc.WebhookOut}
    )
    def post(self, request, webhook_id):
        endpoint = actions.set_enabled(self.endpoint(request, webhook_id), self.enabled)
        return Response(endpoint_json(endpoint))


class WebhookDisableView(WebhookEnableView):
    enabled = False

    @doc.describe(
        "webhooks_disable", "Disable a webhook", request=None, responses={200: doc.WebhookOut}
    )
    def post(self, request, webhook_id):
        return super().post(request, webhook_id)


class WebhookRotateSecretView(WebhookView):
    @doc.describe(
        "webhooks_rotate_secret",
        "Rotate the signing secret",
        request=None,
        responses={200: doc.WebhookWithSecretOut},
    )
    def post(self, request, webhook_id):
        endpoint, secret = actions.rotate_secret(self.endpoint(request, webhook_id))
        return Response(endpoint_json(endpoint, secret))


class WebhookTestView(WebhookView):
    @doc.describe(
        "webhooks_test",
        "Send a webhook.test event",
        request=None,
        responses={202: doc.DeliveryOut},
    )
    def post(self, request, webhook_id):
        delivery = actions.send_test_event(self.endpoint(request, webhook_id))
        return Response(delivery_json(delivery), status=status.HTTP_202_ACCEPTED)


class DeliveryListView(WebhookView):
    @doc.describe(
        "webhooks_deliveries_list",
        "A webhook's deliveries, newest first",
        parameters=doc.DELIVERY_FILTERS,
        responses={200: doc.DeliveryListOut},
    )
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
        before = request.query_params.get("before")  # deprecated: use cursor
        if before:
            if not is_id(before):
                raise errors.ValidationFailed("before must be a delivery id.", field="before")
            qs = qs.filter(pk__lt=int(before))
        deliveries, next_cursor = page_by_id(
            qs, request.query_params.get("cursor"), _limit(request), descending=True
        )
        return Response(
            {
                "deliveries": [delivery_json(d, with_payload=False) for d in deliveries],
                "nextCursor": next_cursor,
                "nextBefore": deliveries[-1].pk if deliveries else None,
            }
        )


class DeliveryDetailView(WebhookView):
    @doc.describe(
        "webhooks_deliveries_retrieve",
        "Get a delivery with its payload",
        responses={200: doc.DeliveryOut},
    )
    def get(self, request, webhook_id, delivery_id):
        delivery = actions.access_delivery(self.endpoint(request, webhook_id), delivery_id)
        return Response(delivery_json(delivery))


class DeliveryAttemptsView(WebhookView):
    @doc.describe(
        "webhooks_deliveries_attempts_list",
        "A delivery's attempts",
        responses={200: doc.AttemptListOut},
    )
    def get(self, request, webhook_id, delivery_id):
        delivery = actions.access_delivery(self.endpoint(request, webhook_id), delivery_id)
        return Response({"attempts": [attempt_json(a) for a in delivery.attempts.all()]})


class DeliveryReplayView(WebhookView):
    @doc.describe(
        "webhooks_deliveries_replay",
        "Send a delivery again",
        request=None,
        responses={202: doc.DeliveryOut, 409: doc.STILL_SENDING},
    )
    def post(self, request, webhook_id, delivery_id):
        delivery = actions.access_delivery(self.endpoint(request, webhook_id), delivery_id)
        delivery = actions.replay_delivery(delivery)
        return Response(delivery_json(delivery), status=status.HTTP_202_ACCEPTED)
