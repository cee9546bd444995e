"""Inbox pages of the team tools (notes, labels): thin adapters like ``inbox.views``."""

from django.contrib import messages as flash
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from conversations import access, errors
from conversations.actions import Actor, create_customer, do_identify_customer
from conversations.models import Customer
from conversations.validation import is_id
from inbox.session import agent_required, wants_json
from inbox.settings_views import manager_required, settings_context
from inbox.views import after_change, conversation_url, error_response, form_error, page_context
from teamtools import forms, queries, snooze_times
from teamtools.actions import canned as canned_actions
from teamtools.actions import identity as identity_actions
from teamtools.actions import labels as label_actions
from teamtools.actions import merge as merge_actions
from teamtools.actions import notes as note_actions
from teamtools.actions import snooze as snooze_actions
from teamtools.actions.outreach import do_start_outreach


@require_POST
@agent_required
def add_note(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.NoteForm(request.POST)
    back = conversation_url(conv.pk) + "#note-form"
    if not form.is_valid():
        return form_error(request, form, back)
    try:
        note = note_actions.do_add_note(
            conv, author=request.agent, content=form.cleaned_data["content"]
        )
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    if wants_json(request):
        return JsonResponse({"note": {"id": note.pk}}, status=201)
    return redirect(back)


@require_GET
@agent_required
def notes_after(request, conv_id):
    """Notes after ``?after=<id>`` as the timeline's partial (live updates, one template)."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    after = request.GET.get("after", "0")
    if not is_id(after) and after != "0":
        return error_response(
            request, errors.ValidationFailed("after must be a note id."), conversation_url(conv.pk)
        )
    notes = queries.notes_of(conv).filter(pk__gt=int(after)).order_by("id")[: queries.NOTES_MAX]
    return render(request, "inbox/partials/notes.html", {"notes": notes, "conv": conv})


@require_POST
@agent_required
def change_labels(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.LabelChangeForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    try:
        label = queries.access_label(request.business, form.cleaned_data["label"])
        change = {form.cleaned_data["change"]: [label]}
        conv, _ = label_actions.do_set_labels(conv, actor=Actor.of_agent(request.agent), **change)
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    done = f"Label {label.name} {'added' if 'add' in change else 'removed'}."
    return after_change(request, conv, done)


@require_GET
@agent_required
def canned_picker(request, conv_id):
    """The reply box's ``/`` picker: matches for ``?q=``, rendered for this conversation."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    q = request.GET.get("q", "")[:100]
    rows = queries.search_canned(request.business, q, limit=8)
    return JsonResponse(
        {
            "results": [
                {
                    "id": r.pk,
                    "shortcut": r.shortcut,
                    "title": r.title,
                    "content": canned_actions.render(r, conv, request.agent),
                }
                for r in rows
            ]
        }
    )


@agent_required
def canned_settings(request):
    """Inbox settings: the business's canned responses (managers change them)."""
    back = reverse("inbox:canned")
    if request.method == "POST":
        if not request.agent.is_manager:
            return error_response(
                request,
                errors.PermissionDenied("Only owners and admins manage canned responses."),
                back,
            )
        try:
            if request.POST.get("delete"):
                canned_actions.delete_canned(
                    queries.access_canned(request.business, request.POST["delete"])
                )
                flash.success(request, "Canned response deleted.")
            else:
                form = forms.CannedForm(request.POST)
                if not form.is_valid():
                    return form_error(request, form, back)
                row = canned_actions.create_canned(request.business, **form.cleaned_data)
                flash.success(request, f"Saved /{row.shortcut}.")
        except errors.DomainError as exc:
            return error_response(request, exc, back)
        return redirect(back)
    if request.method != "GET":
        return JsonResponse({"error": "Method not allowed"}, status=405)
    return render(
        request,
        "inbox/settings/canned.html",
        settings_context(
            request,
            "canned",
            rows=list(queries.canned_of(request.business)),
            variables=list(canned_actions.VARIABLES),
            form=forms.CannedForm(),
        ),
    )


@agent_required
def label_settings(request):
    """Inbox settings: the business's labels (managers create and delete them)."""
    back = reverse("inbox:settings_labels")
    if request.method == "POST":
        if not request.agent.is_manager:
            denied = errors.PermissionDenied("Only owners and admins manage labels.")
            return error_response(request, denied, back)
        try:
            if request.POST.get("delete"):
                label = queries.access_label(request.business, request.POST["delete"])
                label_actions.delete_label(label)
                flash.success(request, f"Label {label.name} deleted.")
            else:
                label = label_actions.create_label(
                    request.business, name=request.POST.get("name"), color=request.POST.get("color")
                )
                flash.success(request, f"Label {label.name} created.")
        except errors.DomainError as exc:
            return error_response(request, exc, back)
        return redirect(back)
    if request.method != "GET":
        return JsonResponse({"error": "Method not allowed"}, status=405)
    labels = list(queries.labels_of_business(request.business))
    return render(
        request,
        "inbox/settings/labels.html",
        settings_context(request, "settings_labels", labels=labels),
    )


@agent_required
@manager_required
def identity_settings(request):
    """Inbox settings: the identity secret for the widget's ``PingBack.identify()`` (managers).
    Its value is shown once, on the page that answers the rotation, never again."""
    shown = None
    if request.method == "POST":
        shown = identity_actions.rotate_identity_secret(request.business).secret
    elif request.method != "GET":
        return JsonResponse({"error": "Method not allowed"}, status=405)
    status = identity_actions.identity_status(request.business)
    return render(
        request,
        "inbox/settings/identity.html",
        settings_context(request, "settings_identity", status=status, shown=shown),
    )


@require_POST
@agent_required
def snooze(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.SnoozeForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    zone = request.business.timezone
    preset, until = form.cleaned_data.get("preset"), form.cleaned_data.get("until")
    try:
        if preset:
            until = snooze_times.preset_until(preset, timezone.now(), zone)
        else:
            # The date picker has no zone: the business's (timezone.make_naive'd by the form).
            until = snooze_times.local_until(timezone.make_naive(until), zone)
        conv = snooze_actions.do_snooze(conv, until, actor=Actor.of_agent(request.agent))
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    local = until.astimezone(snooze_times.zone(zone))
    return after_change(request, conv, f"Snoozed until {local:%a %b %-d, %H:%M}.")


@require_POST
@agent_required
def edit_customer(request, conv_id):
    """Edit the conversation's customer (name, email, id, a custom attribute)."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.CustomerForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    data = form.cleaned_data
    attributes = {data["attr_key"]: data["attr_value"]} if data["attr_key"] else None
    try:
        do_identify_customer(
            conv.customer,
            name=data["name"],
            email=data["email"],
            external_id=data["external_id"],
            metadata=attributes,
            actor=Actor.of_agent(request.agent),
        )
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return after_change(request, conv, "Profile saved.")


@require_POST
@agent_required
def merge_customer(request, conv_id):
    """Merge a duplicate customer into this conversation's customer (owners and admins)."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    back = conversation_url(conv.pk)
    if not request.agent.is_manager:
        denied = errors.PermissionDenied("Only owners and admins merge customers.")
        return error_response(request, denied, back)
    try:
        other = access.access_customer(request.business, request.POST.get("other"))
        merge_actions.do_merge_customers(conv.customer, other, actor=Actor.of_agent(request.agent))
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return after_change(request, conv, "Customers merged.")


def _customer_for(request, data):
    """The existing customer an id or email names, or a new one (name/email)."""
    raw = (data.get("customer") or "").strip()
    if raw:
        if raw.isdigit():
            return access.access_customer(request.business, raw)
        found = (
            Customer.objects.filter(business=request.business, email__iexact=raw)
            .order_by("-created_at")
            .first()
        )
        if found is None:
            raise errors.CustomerNotFound(f"No customer with the email {raw}.")
        return found
    return create_customer(request.business, name=data["new_name"], email=data["new_email"])


@agent_required
def new_conversation(request):
    """The "New conversation" screen: pick or create a customer, a channel, a first message."""
    back = reverse("inbox:new_conversation")
    if request.method == "POST":
        form = forms.NewConversationForm(request.POST)
        if not form.is_valid():
            return form_error(request, form, back)
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a new customer is not kept when the channel refuses
                customer = _customer_for(request, data)
                conv, _, _ = do_start_outreach(
                    request.business,
                    customer,
                    agent=request.agent,
                    actor=Actor.of_agent(request.agent),
                    channel_type=data["channel_type"],
                    message=data["message"],
                )
        except errors.DomainError as exc:
            return error_response(request, exc, back)
        flash.success(request, "Conversation started.")
        return redirect(conversation_url(conv.pk))
    if request.method != "GET":
        return JsonResponse({"error": "Method not allowed"}, status=405)
    customer = queries.customer_named(request.business, request.GET.get("customer", ""))
    options = queries.channel_options(request.business, customer)
    if wants_json(request):  # the picker re-asks when the agent types a customer
        return JsonResponse(
            {
                "customer": customer and {"id": customer.pk, "name": str(customer)},
                "channels": options,
            }
        )
    context = page_context(
        request,
        form=forms.NewConversationForm(initial=request.GET.dict()),
        channels=options,
        picked_customer=customer,
    )
    return render(request, "inbox/new_conversation.html", context)
