"""Attachment HTTP surfaces: signed downloads, widget and inbox uploads, the inbox send.

Adapters only: parse, authenticate, authorize, call one action, render. Errors are the API's
``{"error", "message", "code"}`` with the domain error's status.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from attachments import links, safety
from attachments.actions import check_count, do_upload_attachment, parse_ids
from attachments.models import Attachment
from attachments.storage import attachment_storage
from conversations import access, actions, errors
from conversations.events import origin
from conversations.models import Message
from conversations.snapshots import message_snapshot
from inbox.session import agent_required
from realtime import session_tokens

logger = logging.getLogger(__name__)

# Nothing served from an attachment URL may run script or load anything on PingBack's origin.
CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def error_json(exc: errors.DomainError, *, cors: bool = False) -> JsonResponse:
    body = {"error": exc.title, "message": exc.message, "code": exc.code}
    body.update({k: v for k, v in exc.details.items() if k in ("limit", "ids", "detected")})
    response = JsonResponse(body, status=exc.http_status)
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def upload_too_large(request) -> errors.DomainError | None:
    """Refuse by the declared length before reading the body (any ASGI/WSGI server)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.ATTACHMENTS_MAX_REQUEST_BYTES
    if length > limit:
        return safety.TooLarge(f"The upload is {length} bytes; the limit is {limit}.", limit=limit)
    return None


def uploaded_files(request) -> list:
    files = request.FILES.getlist("file") + request.FILES.getlist("files")
    if not files:
        raise errors.ValidationFailed(
            "Send the file as multipart/form-data in a field named file.",
            code="ATTACHMENT_MISSING",
            field="file",
        )
    check_count(len(files))
    return files


def attachment_json(att: Attachment, scope: str) -> dict:
    return {
        "id": att.pk,
        "name": att.original_name,
        "size": att.size,
        "content_type": att.content_type,
        "url": links.url(att.pk, att.original_name, scope),
        "thumbnail_url": links.url(att.pk, att.original_name, scope, thumbnail=True)
        if att.thumbnail
        else None,
        "width": att.width,
        "height": att.height,
    }


def upload_all(conv, files, uploader_type: str, uploader_id) -> list[Attachment]:
    return [
        do_upload_attachment(
            conv, file=f, name=f.name, uploader_type=uploader_type, uploader_id=uploader_id
        )
        for f in files
    ]


# --- download ---------------------------------------------------------------------------------


def _viewer_may_see(request, att: Attachment) -> bool:
    conv = att.conversation
    session = request.GET.get("session") or request.headers.get("X-Widget-Session")
    if session:
        try:
            proved = session_tokens.verify(session, att.business_id)
        except session_tokens.InvalidSessionToken:
            return False
        return proved.customer_id == conv.customer_id
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    agent = access.membership(user, conv.business)
    return agent is not None and access.agent_can_see(agent, conv)


@require_GET
def serve(request, token: str, name: str):
    """A signed attachment URL. Unknown, tampered, expired, or not the caller's: 404."""
    signed = links.verify(token)
    if signed is None:
        raise Http404("Attachment not found.")
    att = (
        Attachment.objects.select_related("conversation__business")
        .filter(pk=signed.attachment_id)
        .first()
    )
    if att is None or (signed.scope == links.VIEW and not _viewer_may_see(request, att)):
        raise Http404("Attachment not found.")
    if signed.thumbnail and not att.thumbnail:
        raise Http404("Attachment not found.")
    stored = att.thumbnail if signed.thumbnail else att.file
    try:
        fh = attachment_storage().open(stored, "rb")
    except FileNotFoundError:
        raise Http404("Attachment not found.") from None
    inline = (
        att.content_type in safety.SAFE_INLINE
        and bool(att.width)
        and request.GET.get("download") is None
    )
    content_type = att.content_type
    if signed.thumbnail:
        content_type = "image/png" if stored.endswith(".png") else "image/jpeg"
    if not inline and not signed.thumbnail:
        # Served as a download, never rendered as a page of PingBack's origin.
        # Types a browser could run (HTML, SVG, XML...) are labelled as bare bytes too.
        passive = {"application/pdf", "text/plain", "application/zip"}
        content_type = (
            att.content_type if att.content_type in passive else "application/octet-stream"
        )
    response = FileResponse(fh, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not (inline or signed.thumbnail), filename=att.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # the widget runs on other sites
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- widget upload ----------------------------------------------------------------------------


def _cors_preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, X-Widget-Session"
    response["Access-Control-Max-Age"] = "600"
    return response


@csrf_exempt  # authenticated by the widget session token, never by cookies
def widget_upload(request):
    """``POST /attachments/widget/upload``: multipart ``business_id``, ``conversation_id``,
    ``file`` (or several ``files``), and the widget session token (``session_token`` field or
    ``X-Widget-Session`` header). Answers ``{"attachments": [...]}``; the widget then sends
    ``client_message`` with ``attachments: [id, ...]``."""
    if request.method == "OPTIONS":
        return _cors_preflight()
    if request.method != "POST":
        return error_json(errors.DomainError("Use POST.", code="METHOD_NOT_ALLOWED"), cors=True)
    too_large = upload_too_large(request)
    if too_large:
        return error_json(too_large, cors=True)
    try:
        business = access.business_by_public_id(request.POST.get("business_id"))
        token = request.POST.get("session_token") or request.headers.get("X-Widget-Session")
        try:
            proved = session_tokens.verify(token, business.pk)
        except session_tokens.InvalidSessionToken as exc:
            raise errors.Unauthorized(
                f"{exc} Upload needs the session_token of the widget's conversation.",
                code="SESSION_INVALID",
            ) from None
        conv = access.access_conversation(business, request.POST.get("conversation_id"))
        if conv.customer_id != proved.customer_id:
            raise errors.ConversationNotFound("Conversation not found.")
        files = uploaded_files(request)
        atts = upload_all(conv, files, Attachment.Uploader.CUSTOMER, conv.customer_id)
    except errors.DomainError as exc:
        return error_json(exc, cors=True)
    response = JsonResponse(
        {"attachments": [attachment_json(a, links.VIEW) for a in atts]}, status=201
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- inbox upload and send --------------------------------------------------------------------


@require_POST
@agent_required
def inbox_upload(request, conv_id: int):
    """``POST /attachments/inbox/c/<id>/upload`` (session + CSRF): stores the files, answers
    ``{"attachments": [...]}``; ``inbox_send`` then posts the message."""
    too_large = upload_too_large(request)
    if too_large:
        return error_json(too_large)
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    try:
        files = uploaded_files(request)
        atts = upload_all(conv, files, Attachment.Uploader.AGENT, request.agent.pk)
    except errors.DomainError as exc:
        return error_json(exc)
    return JsonResponse({"attachments": [attachment_json(a, links.VIEW) for a in atts]}, status=201)


@require_POST
@agent_required
def inbox_send(request, conv_id: int):
    """``POST /attachments/inbox/c/<id>/send``: ``attachments`` (ids, repeated), optional
    ``content`` caption and ``client_id``; the agent's attachment message."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    raw = request.POST.getlist("attachments")
    if not raw or not all(v.isdigit() and len(v) < 19 for v in raw):
        return error_json(errors.ValidationFailed("attachments must be attachment ids."))
    try:
        with origin(request.POST.get("socket_id") or None):
            message, created = actions.do_post_message(
                conv,
                sender_type=Message.SenderType.AGENT,
                agent=request.agent,
                content=request.POST.get("content", ""),
                client_id=request.POST.get("client_id") or None,
                attachments=parse_ids([int(v) for v in raw]),
            )
    except errors.DomainError as exc:
        return error_json(exc)
    return JsonResponse({"message": message_snapshot(message)}, status=201 if created else 200)
