"""Web pages of the accountability workflow: the panel beside an item (submission and evidence,
verification, extension requests, assessments, each form only for whoever may act), the evidence
download, and the coordinators' queues.

Each POST checks who may (a 403 with the policy's reason at the top of the page), then calls one
service. Invalid input or a refusal of the service comes back as the item page with the posted
form bound in the panel: each error beside its field (aria-invalid, an error summary linking to
the fields, focused), what was typed kept, 400 (409 when someone else changed or decided first);
nothing is written.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from agencies.auth import signed_in_user
from agencies.selectors import user_roles

from .. import selectors as item_selectors
from ..forms import service_errors_add
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
    """One per evidence file, its prefix naming the file (``withdraw-12``)."""

    reason = _text_field(gettext_lazy("Reason for withdrawal"))


def withdraw_form_prefix(evidence_id: int) -> str:
    return f"withdraw-{evidence_id}"


def files_not_kept(form: SubmissionForm) -> None:
    """A browser does not send chosen files again with a page shown again: say so beside the
    field, when files were chosen."""
    count = len([upload for upload in form.files.getlist(form.add_prefix("evidence")) if upload])
    if count:
        form.add_error(
            "evidence",
            ngettext(
                "The file you chose was not kept: choose it again.",
                "The %(count)d files you chose were not kept: choose them again.",
                count,
            )
            % {"count": count},
        )


# The panel beside an item --------------------------------------------------------------------

# The key of this panel's refused form in the item page's ``panel_forms`` (see hooks).
PANEL = "accountability"


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    withdraw_form: forms.Form | None


@dataclass(frozen=True)
class SubmissionRow:
    submission: Submission
    evidence: list[EvidenceRow]


def item_accountability_panel(
    request: HttpRequest, item: ActionItem, *, bound_forms: Mapping[str, BaseForm]
) -> SafeString:
    """Registered with recommendations.hooks: the record and the forms for whoever may act.

    A refused form (``bound_forms[PANEL]``) takes the place of its blank one, with its errors
    and what was typed; if it is no longer offered (someone decided meanwhile), its errors are
    shown at the top of the panel instead.
    """
    user = request.user
    refused = bound_forms.get(PANEL)
    placed: list[BaseForm] = []

    def offer(offered: bool, prefix: str, blank: Callable[[], forms.Form]) -> forms.Form | None:
        if not offered:
            return None
        if refused is not None and refused.prefix == prefix and isinstance(refused, forms.Form):
            placed.append(refused)
            return refused
        return blank()

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
    may_withdraw = policies.can_withdraw_evidence(user, item)
    rows = [
        SubmissionRow(
            submission,
            [
                EvidenceRow(
                    evidence,
                    offer(
                        may_withdraw and not evidence.is_withdrawn,
                        withdraw_form_prefix(evidence.pk),
                        partial(WithdrawForm, prefix=withdraw_form_prefix(evidence.pk)),
                    ),
                )
                for evidence in submission.evidence.all()
            ],
        )
        for submission in submissions
    ]
    context = {
        "item": item,
        "submission_rows": rows,
        "pending": pending,
        "extensions": extensions,
        "open_extension": open_extension,
        "assessments": assessments,
        "submission_form": offer(
            may_submit,
            SubmissionForm.prefix,
            partial(SubmissionForm, initial={"version": item.version}),
        ),
        "verification_form": offer(
            may_verify,
            VerificationForm.prefix,
            partial(VerificationForm, initial={"version": item.version}),
        ),
        "extension_form": offer(may_request, ExtensionRequestForm.prefix, ExtensionRequestForm),
        "decision_form": offer(may_decide, ExtensionDecisionForm.prefix, ExtensionDecisionForm),
        "assessment_form": offer(
            policies.can_assess(user, item), AssessmentForm.prefix, AssessmentForm
        ),
    }
    context["refused_form"] = refused if refused is not None and not placed else None
    return render_to_string("recommendations/_accountability_panel.html", context, request=request)


def _back(
    item: ActionItem, message: str | None = None, request: HttpRequest | None = None
) -> HttpResponseRedirect:
    if message and request is not None:
        messages.success(request, message)
    return HttpResponseRedirect(reverse("recommendations:item", args=[item.pk]) + "#accountability")


def _forbidden(request: HttpRequest, item: ActionItem, error: PermissionDenied) -> HttpResponse:
    """The item page again with the policy's reason at the top (403): no form is the person's to
    correct."""
    from ..views import _item_page

    messages.error(request, str(error))
    return _item_page(request, item_selectors.action_item_detail(pk=item.pk), status=403)


def _refused(
    request: HttpRequest,
    item: ActionItem,
    form: forms.Form,
    error: ValidationError | None = None,
    *,
    status: int = 400,
) -> HttpResponse:
    """The item page again with ``form`` bound in the panel: what was typed kept, the service's
    errors beside the fields they name and the others at the top of the form (400, or 409 when
    someone else changed or decided first)."""
    from ..views import _item_page

    if error is not None:
        service_errors_add(form, error)
    if isinstance(form, SubmissionForm):
        files_not_kept(form)
    return _item_page(
        request,
        item_selectors.action_item_detail(pk=item.pk),
        panel_forms={PANEL: form},
        status=status,
    )


def _on_current_version(request: HttpRequest, form: forms.Form, current: ActionItem) -> forms.Form:
    """The person's input again, based on the item's current version, so that sending it again
    (having read the message) is not refused as stale a second time."""
    data = request.POST.copy()
    data[form.add_prefix("version")] = str(current.version)
    rebound = type(form)(data, request.FILES, prefix=form.prefix)
    rebound.is_valid()
    return rebound


def _act(
    request: HttpRequest,
    item: ActionItem,
    form: forms.Form,
    *,
    check: Callable[[], None],
    action: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Who may (``check``, a policy), then the form, then the one service (``action``, given the
    cleaned data); each refusal answered as the module docstring says."""
    try:
        check()
    except PermissionDenied as error:
        return _forbidden(request, item, error)
    if not form.is_valid():
        return _refused(request, item, form)
    try:
        action(form.cleaned_data)
    except PermissionDenied as error:
        return _forbidden(request, item, error)
    except ValidationError as error:
        return _refused(request, item, form, error)
    except ActionItemConflict:
        return _refused(
            request,
            item,
            _on_current_version(request, form, item_selectors.action_item_detail(pk=item.pk)),
            ValidationError(_("This item was changed by someone else since you opened it.")),
            status=409,
        )
    except services.DecisionConflict as conflict:
        return _refused(request, item, form, ValidationError(conflict.message), status=409)
    return _back(item, done, request)


@tracker_member_required
@require_POST
def item_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    return _act(
        request,
        item,
        SubmissionForm(request.POST, request.FILES),
        check=lambda: policies.require_submit_for_verification(user, item),
        action=lambda data: services.submission_create(
            item=item,
            actor=user,
            expected_version=data["version"],
            note=data["note"],
            files=data["evidence"],
            links=data["links"].splitlines(),
        ),
        done=_("The item was submitted for verification."),
    )


@tracker_member_required
@require_POST
def item_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    return _act(
        request,
        item,
        VerificationForm(request.POST),
        check=lambda: policies.require_verify(user, item),
        action=lambda data: services.verification_decide(
            item=item,
            actor=user,
            expected_version=data["version"],
            decision=data["decision"],
            reason=data["reason"],
        ),
        done=_("The item is verified complete.")
        if request.POST.get(f"{VerificationForm.prefix}-decision") == services.ACCEPT
        else _("The submission was returned to the agency."),
    )


@tracker_member_required
@require_POST
def item_request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    return _act(
        request,
        item,
        ExtensionRequestForm(request.POST),
        check=lambda: policies.require_request_extension(user, item),
        action=lambda data: services.extension_request_create(
            item=item,
            actor=user,
            proposed_due_date=data["proposed_due_date"],
            reason=data["reason"],
        ),
        done=_("Your extension request was sent for a decision."),
    )


@tracker_member_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    extension = get_object_or_404(selectors.extension_request_list(), pk=pk)
    item = item_selectors.action_item_detail(pk=extension.action_item_id)
    return _act(
        request,
        item,
        ExtensionDecisionForm(request.POST),
        check=lambda: policies.require_decide_extension(user, extension),
        action=lambda data: services.extension_request_decide(
            request=extension, actor=user, decision=data["decision"], reason=data["reason"]
        ),
        done=_("The extension request was decided."),
    )


@tracker_member_required
@require_POST
def item_assess(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = item_selectors.action_item_detail(pk=pk)
    return _act(
        request,
        item,
        AssessmentForm(request.POST),
        check=lambda: policies.require_assess(user, item),
        action=lambda data: services.assessment_create(
            item=item, actor=user, rating=data["rating"], rationale=data["rationale"]
        ),
        done=_("Your assessment was recorded."),
    )


@tracker_member_required
@require_POST
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    evidence = get_object_or_404(Evidence.objects.select_related("submission__action_item"), pk=pk)
    item = item_selectors.action_item_detail(pk=evidence.submission.action_item_id)
    return _act(
        request,
        item,
        WithdrawForm(request.POST, prefix=withdraw_form_prefix(evidence.pk)),
        check=lambda: policies.require_withdraw_evidence(user, item),
        action=lambda data: services.evidence_withdraw(
            evidence=evidence, actor=user, reason=data["reason"]
        ),
        done=_("The file was withdrawn."),
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
