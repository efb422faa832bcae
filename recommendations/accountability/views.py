"""Web pages of the accountability workflow: the panel beside an item (submission and evidence,
verification, extension requests, assessments, each form only for whoever may act), the evidence
download, and the coordinators' queues.

Each POST calls one service; a refusal or invalid input comes back as a message on the item page
(with the status code that says so), and nothing is written.
"""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.auth import signed_in_user
from agencies.selectors import user_roles

from .. import selectors as item_selectors
from ..models import ActionItem
from ..services import NOTE_MAX_LENGTH, ActionItemConflict
from ..views import tracker_member_required
from . import policies, selectors, services
from .api import evidence_response
from .models import (
    Assessment,
    AssessmentRating,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Submission,
    SubmissionDecision,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(entry, initial) for entry in data if entry]
        return [single(data, initial)] if data else []


def _text_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SubmissionForm(forms.Form):
    prefix = "submit"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = _text_field(gettext_lazy("Closing note"))
    evidence = MultipleFileField(
        label=gettext_lazy("Evidence files"),
        required=False,
        widget=MultipleFileInput(),
        help_text=gettext_lazy(
            "PDF, Word, Excel, PowerPoint, CSV, plain text, PNG or JPEG; you may choose several."
        ),
    )
    links = forms.CharField(
        label=gettext_lazy("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One web address per line."),
    )


class VerificationForm(forms.Form):
    prefix = "verify"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (services.ACCEPT, gettext_lazy("Accept: verified complete")),
            (services.RETURN, gettext_lazy("Return to the agency")),
        ],
        widget=forms.RadioSelect,
    )
    reason = _text_field(gettext_lazy("Reason (required to return)"), required=False)


class ExtensionRequestForm(forms.Form):
    prefix = "extension"
    proposed_due_date = forms.DateField(
        label=gettext_lazy("Proposed due date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = _text_field(gettext_lazy("Reason"))


class ExtensionDecisionForm(forms.Form):
    prefix = "decide"
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (services.APPROVE, gettext_lazy("Approve")),
            (services.REJECT, gettext_lazy("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = _text_field(gettext_lazy("Reason"))


class AssessmentForm(forms.Form):
    prefix = "assess"
    rating = forms.ChoiceField(label=gettext_lazy("Rating"), choices=AssessmentRating.choices)
    rationale = _text_field(gettext_lazy("Rationale"))


class WithdrawForm(forms.Form):
    reason = _text_field(gettext_lazy("Reason for withdrawal"))


# The panel beside an item --------------------------------------------------------------------


def item_accountability_panel(request: HttpRequest, item: ActionItem) -> SafeString:
    """Registered with recommendations.hooks: the record and the forms for whoever may act."""
    user = request.user
    submissions = list(selectors.submissions_of(item)[:5])
    pending = next((s for s in submissions if s.is_pending), None)
    extensions = list(selectors.extension_request_list().filter(action_item=item).reverse()[:5])
    open_extension = next((e for e in extensions if e.is_pending), None)
    assessments = list(
        Assessment.objects.filter(action_item=item).select_related("assessed_by")[:5]
    )
    may_submit = policies.can_submit_for_verification(user, item) and item.status in (
        "not_started",
        "in_progress",
        "blocked",
    )
    may_verify = pending is not None and policies.verification_refusal(user, pending) is None
    may_request = (
        policies.can_request_extension(user, item)
        and open_extension is None
        and item.status in ("not_started", "in_progress", "blocked")
    )
    may_decide = (
        open_extension is not None
        and policies.extension_decision_refusal(user, open_extension) is None
    )
    context = {
        "item": item,
        "submissions": submissions,
        "pending": pending,
        "extensions": extensions,
        "open_extension": open_extension,
        "assessments": assessments,
        "may_withdraw": policies.can_withdraw_evidence(user, item),
        "submission_form": SubmissionForm(initial={"version": item.version})
        if may_submit
        else None,
        "verification_form": VerificationForm(initial={"version": item.version})
        if may_verify
        else None,
        "extension_form": ExtensionRequestForm() if may_request else None,
        "decision_form": ExtensionDecisionForm() if may_decide else None,
        "assessment_form": AssessmentForm() if policies.can_assess(user, item) else None,
    }
    return render_to_string("recommendations/_accountability_panel.html", context, request=request)


def _back(
    item: ActionItem, message: str | None = None, request: HttpRequest | None = None
) -> HttpResponseRedirect:
    if message and request is not None:
        messages.success(request, message)
    return HttpResponseRedirect(reverse("recommendations:item", args=[item.pk]) + "#accountability")


def _refused(request: HttpRequest, item: ActionItem, error: Exception, status: int) -> HttpResponse:
    """The item page again, with the reason at the top, and the status code that says it."""
    from ..views import _item_page

    if isinstance(error, ValidationError):
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(error))
    return _item_page(request, item_selectors.action_item_detail(pk=item.pk), status=status)


def _form_errors(form: forms.Form) -> ValidationError:
    return ValidationError([f"{form.fields[name].label if name in form.fields else ''}: {text}"
                            .lstrip(": ")
                            for name, errors in form.errors.items() for text in errors])  # fmt: skip


def _act(request: HttpRequest, item: ActionItem, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except PermissionDenied as error:
        return _refused(request, item, error, 403)
    except ValidationError as error:
        return _refused(request, item, error, 400)
    except ActionItemConflict:
        return _refused(
            request,
            item,
            ValidationError(_("This item was changed by someone else since you opened it.")),
            409,
        )
    except services.DecisionConflict as conflict:
        return _refused(request, item, ValidationError(conflict.message), 409)
    return _back(item, done, request)


@tracker_member_required
@require_POST
def item_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    form = SubmissionForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), 400)
    data = form.cleaned_data
    return _act(
        request,
        item,
        lambda: services.submission_create(
            item=item,
            actor=user,
            expected_version=data["version"],
            note=data["note"],
            files=data["evidence"],
            links=data["links"].splitlines(),
        ),
        _("The item was submitted for verification."),
    )


@tracker_member_required
@require_POST
def item_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), 400)
    data = form.cleaned_data
    done = (
        _("The item is verified complete.")
        if data["decision"] == services.ACCEPT
        else _("The submission was returned to the agency.")
    )
    return _act(
        request,
        item,
        lambda: services.verification_decide(
            item=item,
            actor=user,
            expected_version=data["version"],
            decision=data["decision"],
            reason=data["reason"],
        ),
        done,
    )


@tracker_member_required
@require_POST
def item_request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), 400)
    data = form.cleaned_data
    return _act(
        request,
        item,
        lambda: services.extension_request_create(
            item=item,
            actor=user,
            proposed_due_date=data["proposed_due_date"],
            reason=data["reason"],
        ),
        _("Your extension request was sent for a decision."),
    )


@tracker_member_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    extension = get_object_or_404(selectors.extension_request_list(), pk=pk)
    item = item_selectors.action_item_detail(pk=extension.action_item_id)
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), 400)
    data = form.cleaned_data
    return _act(
        request,
        item,
        lambda: services.extension_request_decide(
            request=extension, actor=user, decision=data["decision"], reason=data["reason"]
        ),
        _("The extension request was decided."),
    )


@tracker_member_required
@require_POST
def item_assess(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), 400)
    data = form.cleaned_data
    return _act(
        request,
        item,
        lambda: services.assessment_create(
            item=item, actor=user, rating=data["rating"], rationale=data["rationale"]
        ),
        _("Your assessment was recorded."),
    )


@tracker_member_required
@require_POST
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    evidence = get_object_or_404(Evidence.objects.select_related("submission__action_item"), pk=pk)
    item = item_selectors.action_item_detail(pk=evidence.submission.action_item_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), 400)
    return _act(
        request,
        item,
        lambda: services.evidence_withdraw(
            evidence=evidence, actor=user, reason=form.cleaned_data["reason"]
        ),
        _("The file was withdrawn."),
    )


@login_required  # evidence_response checks that the person may see the item
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    evidence = get_object_or_404(Evidence.objects.select_related("submission__action_item"), pk=pk)
    return evidence_response(request.user, evidence)


# The queues ----------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50


def queue_counts(user: object) -> dict[str, int] | None:
    """The navigation's counts: submissions awaiting verification and pending extension requests
    (one query), for coordinators; None for everyone else (no query)."""
    if not user_roles(user).sees_everything:
        return None
    counts = Submission.objects.aggregate(
        waiting=Count("pk", filter=Q(decision=SubmissionDecision.PENDING))
    )
    counts["extensions"] = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).count()
    return counts


@tracker_member_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    policies.require_verify(user)
    rows = selectors.verification_queue()
    agency = request.GET.get("agency", "").strip()
    if agency:
        rows = rows.filter(action_item__owner_agency__acronym=agency)
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = datetime.datetime.now(datetime.UTC)
    return render(
        request,
        "recommendations/verification_queue.html",
        {"page": page, "agency": agency, "now": now, "total": page.paginator.count},
    )


@tracker_member_required
def extension_requests_page(request: HttpRequest) -> HttpResponse:
    signed_in_user(request)
    rows = selectors.extension_request_list()
    state = request.GET.get("status", ExtensionStatus.PENDING)
    if state not in ExtensionStatus.values:
        state = ExtensionStatus.PENDING
    rows = rows.filter(status=state)
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/extension_requests.html",
        {
            "page": page,
            "state": state,
            "states": ExtensionStatus.choices,
            "total": page.paginator.count,
        },
    )
