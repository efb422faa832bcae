"""Web pages. Thin: read through selectors, write through services, decide through policies."""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.auth import signed_in_user
from agencies.models import User

from . import caching, hooks, policies, selectors, services
from .forms import (
    RECOMMENDATION_SERVICE_FIELDS,
    ActionItemCreateForm,
    ActionItemEditForm,
    AssignForm,
    MyWorkFilterForm,
    NoteForm,
    ProgressForm,
    PublicationForm,
    RecommendationForm,
    VersionedForm,
)
from .models import ActionItem, ProgressUpdate, Recommendation, Source, Status

MY_WORK_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20

View = Callable[..., HttpResponse]


def tracker_member_required(view: View) -> View:
    """Signed in, and a member of an agency: everyone else gets the sign-in page or a clear 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        policies.require_view_tracker(request.user)
        return view(request, *args, **kwargs)

    return wrapped


# My work ---------------------------------------------------------------------------------------


@tracker_member_required
def my_work(request: HttpRequest) -> HttpResponse:
    """The first page after sign-in: the items to act on, assigned ones first."""
    user = signed_in_user(request)
    form = MyWorkFilterForm(
        request.GET or None, default_scope=selectors.my_work_default_scope(user=user)
    )
    filters = form.filters()
    items = selectors.MyWorkList(user=user, filters=filters)
    page = Paginator(items, MY_WORK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/my_work.html",
        {
            "form": form,
            "filters": filters,
            "is_filtered": form.is_filtered(),
            "counts": selectors.my_work_counts(user=user, scope=filters.scope),
            "page": page,
            "relation": selectors.Relation,
        },
    )


# Recommendations -------------------------------------------------------------------------------


@tracker_member_required
def recommendation_list(request: HttpRequest) -> HttpResponse:
    """Recommendations grouped by theme, with progress rolled up from their action items; those
    of one source document with ``?source=<key>`` (every source by default)."""
    source_key = request.GET.get("source", "").strip()

    def listing(now: datetime.datetime) -> str:
        return render_to_string(
            "recommendations/_recommendation_list_body.html",
            {
                "themes": selectors.themes_with_recommendations(source_key=source_key),
                "sources": Source.objects.order_by("-published_on", "key"),
                "source_key": source_key,
            },
        )

    # The list is the same for every reader: rendered once per data version, language, source
    # and release (the exact cache: every write the list shows moves the version, see
    # receivers.py); 400 recommendations took ~150 ms to render. The heading, with the reader's
    # own button, is rendered per request.
    html = caching.versioned(
        "recommendation-list-html", (source_key, caching.release_fingerprint()), listing
    )
    return render(
        request,
        "recommendations/recommendation_list.html",
        {
            "listing": mark_safe(html),  # noqa: S308 - rendered by our template, autoescaped
            "can_create": policies.can_edit_recommendation(request.user),
        },
    )


@tracker_member_required
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = selectors.recommendation_detail(pk=pk)
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "items": selectors.recommendation_action_items(recommendation=recommendation),
            "can_edit": policies.can_edit_recommendation(request.user, recommendation),
            **_publication_context(request, recommendation),
        },
    )


def _publication_context(
    request: HttpRequest, recommendation: Recommendation, form: PublicationForm | None = None
) -> dict[str, Any]:
    if not policies.can_publish(request.user, recommendation):
        return {"can_publish": False}
    return {
        "can_publish": True,
        "publication_form": form
        or PublicationForm(initial={"published": "0" if recommendation.published else "1"}),
        "publication_changes": selectors.recommendation_publication_changes(
            recommendation=recommendation
        ),
    }


@tracker_member_required
@require_POST
def recommendation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    recommendation = get_object_or_404(Recommendation, pk=pk)
    policies.check_publish(user, recommendation)
    form = PublicationForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_set_published(
                recommendation=recommendation,
                actor=user,
                published=form.cleaned_data["published"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            done = (
                _("%(code)s is now on the public progress page.")
                if recommendation.published
                else _("%(code)s is no longer on the public progress page.")
            )
            messages.success(request, done % {"code": recommendation.code})
            return redirect("recommendations:detail", pk=recommendation.pk)
    recommendation = selectors.recommendation_detail(pk=pk)
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "items": selectors.recommendation_action_items(recommendation=recommendation),
            "can_edit": policies.can_edit_recommendation(user, recommendation),
            **_publication_context(request, recommendation, form),
        },
        status=400,
    )


def _recommendation_values(form: RecommendationForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in RECOMMENDATION_SERVICE_FIELDS}


@tracker_member_required
def recommendation_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    policies.require_create_recommendation(user)
    # Not ``request.POST or None``: an empty POST is still a submission and must show its errors.
    form = RecommendationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recommendation = services.recommendation_create(
                actor=user, **_recommendation_values(form)
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Recommendation %(code)s was created.") % {"code": recommendation.code},
            )
            return redirect("recommendations:detail", pk=recommendation.pk)
    return render(
        request,
        "recommendations/recommendation_form.html",
        {"form": form, "recommendation": None},
        status=400 if form.errors else 200,
    )


@tracker_member_required
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    recommendation = get_object_or_404(Recommendation, pk=pk)
    policies.require_edit_recommendation(user, recommendation)
    form = RecommendationForm(
        request.POST if request.method == "POST" else None, instance=recommendation
    )
    conflict: Recommendation | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_update(
                recommendation=recommendation,
                actor=user,
                expected_updated_at=form.expected_updated_at(),
                **_recommendation_values(form),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except services.RecommendationConflict as error:
            conflict = error.current
            # Keep what the coordinator typed, now based on the current version.
            data = request.POST.copy()
            data["version"] = conflict.updated_at.isoformat()
            form = RecommendationForm(data, instance=conflict)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("recommendations:detail", pk=recommendation.pk)
    status = 409 if conflict else (400 if form.errors else 200)
    return render(
        request,
        "recommendations/recommendation_form.html",
        {"form": form, "recommendation": recommendation, "conflict": conflict},
        status=status,
    )


# Action items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemPermissions:
    """What the page offers; each one is a policy decision, checked again when posted."""

    record_progress: bool
    add_note: bool
    assign: bool
    edit: bool

    @classmethod
    def of(cls, user: User, item: ActionItem) -> "ItemPermissions":
        return cls(
            record_progress=policies.can_record_progress(user, item),
            add_note=policies.can_add_note(user, item),
            assign=policies.can_assign(user, item),
            edit=policies.can_edit_item_definition(user, item),
        )


@dataclass(frozen=True)
class ConflictRow:
    label: str
    current: str
    yours: str

    @property
    def differs(self) -> bool:
        return self.current != self.yours


@dataclass(frozen=True)
class Conflict:
    """What the page shows when a save was refused because the item changed meanwhile."""

    rows: list[ConflictRow]
    missed_updates: list[ProgressUpdate]


def _status_label(value: str) -> str:
    return str(dict(Status.choices).get(value, value))


def _conflict(*, current: ActionItem, opened_version: int, submitted: dict[str, Any]) -> Conflict:
    rows: list[ConflictRow] = []
    if "status" in submitted:
        rows.append(
            ConflictRow(
                _("Status"), _status_label(current.status), _status_label(submitted["status"])
            )
        )
    if "percent_complete" in submitted:
        rows.append(
            ConflictRow(
                _("Percent complete"),
                f"{current.percent_complete}",
                f"{submitted['percent_complete']}",
            )
        )
    if "assignee" in submitted:
        assignee = submitted["assignee"]
        nobody = _("Nobody")
        rows.append(
            ConflictRow(
                _("Assigned to"),
                current.assignee.display_name if current.assignee else nobody,
                assignee.display_name if assignee else nobody,
            )
        )
    if "due_date" in submitted:
        rows.append(
            ConflictRow(
                _("Due date"),
                date_format(current.due_date),
                date_format(submitted["due_date"]) if submitted["due_date"] else "",
            )
        )
    for name, label in (
        ("title_en", _("Title (English)")),
        ("title_fr", _("Title (French)")),
        ("owner_agency", _("Owner agency")),
    ):
        if name in submitted:
            rows.append(ConflictRow(label, str(getattr(current, name)), str(submitted[name])))
    return Conflict(
        rows=rows,
        missed_updates=selectors.action_item_updates_since(item=current, version=opened_version),
    )


def _item_page(
    request: HttpRequest,
    item: ActionItem,
    *,
    progress_form: ProgressForm | None = None,
    note_form: NoteForm | None = None,
    assign_form: AssignForm | None = None,
    conflict: Conflict | None = None,
    panel_forms: Mapping[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The item page; ``panel_forms`` is a refused form of a panel beside the item, keyed by the
    panel's name (see ``hooks``), shown bound in that panel."""
    user = signed_in_user(request)
    allowed = ItemPermissions.of(user, item)
    if allowed.record_progress:
        progress_form = progress_form or ProgressForm(item=item, user=user)
    elif allowed.add_note:
        note_form = note_form or NoteForm(item=item)
    if allowed.assign:
        assign_form = assign_form or AssignForm(
            item=item,
            user=user,
            may_confirm_past_due_date=policies.can_confirm_past_due_date(user, item),
        )
    timeline = Paginator(selectors.action_item_timeline(item=item), TIMELINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recommendations/action_item_detail.html",
        {
            "item": item,
            "recommendation": item.recommendation,
            "allowed": allowed,
            "progress_form": progress_form,
            "note_form": note_form,
            "assign_form": assign_form,
            "conflict": conflict,
            "timeline": timeline,
            # Panels other apps add beside the item (e.g. watching it); rendered HTML strings.
            "extra_panels": hooks.item_panels_render(request, item, bound_forms=panel_forms),
        },
        status=status,
    )


@tracker_member_required
def action_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, selectors.action_item_detail(pk=pk))


def _after_save(request: HttpRequest, item: ActionItem, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("recommendations:item", args=[item.pk]) + "#timeline")


def _after_duplicate(
    request: HttpRequest, item: ActionItem, duplicate: services.DuplicateSubmission
) -> HttpResponseRedirect:
    # The page again, fresh (a new form and token), saying why nothing happened.
    messages.warning(request, str(duplicate))
    return HttpResponseRedirect(reverse("recommendations:item", args=[item.pk]) + "#timeline")


def _rebind_on_current(
    form_class: type[VersionedForm], request: HttpRequest, current: ActionItem, **kwargs: Any
) -> Any:
    """The person's input, kept, but based on the current version so they may save it again."""
    form = form_class(item=current, user=request.user, **kwargs)
    data = request.POST.copy()
    data[form.add_prefix("version")] = str(current.version)
    rebound = form_class(data, item=current, user=request.user, **kwargs)
    rebound.is_valid()
    return rebound


@tracker_member_required
@require_POST
def action_item_record_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a progress update (owner agency), or a note only (supporting agencies)."""
    user = signed_in_user(request)
    item = selectors.action_item_detail(pk=pk)
    allowed = ItemPermissions.of(user, item)
    form: ProgressForm | NoteForm
    if allowed.record_progress:
        form = ProgressForm(request.POST, item=item, user=user)
    elif allowed.add_note:
        # A supporting agency's form has only a note; a posted status change is not theirs to make.
        if any(key.startswith(ProgressForm.prefix + "-") for key in request.POST):
            policies.require_record_progress(user, item)
        form = NoteForm(request.POST, item=item)
    else:
        raise PermissionDenied(policies.refusal_add_note())

    def page_with(
        form_on_page: ProgressForm | NoteForm, item: ActionItem, **extra: Any
    ) -> HttpResponse:
        if isinstance(form_on_page, ProgressForm):
            return _item_page(request, item, progress_form=form_on_page, **extra)
        return _item_page(request, item, note_form=form_on_page, **extra)

    if not form.is_valid():
        return page_with(form, item, status=400)
    data = form.cleaned_data
    changes: dict[str, Any] = {"note": data["note"]}
    if isinstance(form, ProgressForm):
        changes.update(status=data["status"], percent_complete=data["percent_complete"])
    try:
        services.action_item_change(
            item=item,
            actor=user,
            # A note alone overwrites nothing, so it never needs to be refused as stale.
            expected_version=data["version"] if isinstance(form, ProgressForm) else None,
            submission_token=form.submission_token(),
            **changes,
        )
    except services.DuplicateSubmission as duplicate:
        return _after_duplicate(request, item, duplicate)
    except ValidationError as error:
        form.add_service_errors(error)
        return page_with(form, item, status=400)
    except services.ActionItemConflict:
        current = selectors.action_item_detail(pk=pk)
        return page_with(
            _rebind_on_current(type(form), request, current),
            current,
            status=409,
            conflict=_conflict(current=current, opened_version=data["version"], submitted=changes),
        )
    return _after_save(request, item, _("Your update was recorded."))


@tracker_member_required
@require_POST
def action_item_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the item and set its due date (managers of the owner agency, coordinators)."""
    user = signed_in_user(request)
    item = selectors.action_item_detail(pk=pk)
    if not policies.can_assign(user, item) and request.POST.get("assign-due_date"):
        # A re-date by someone who may do neither: the re-date's refusal, as the API says it.
        policies.require_change_due_date(user, item)
    policies.require_assign(user, item)
    may_confirm = policies.can_confirm_past_due_date(user, item)
    form = AssignForm(request.POST, item=item, user=user, may_confirm_past_due_date=may_confirm)
    if not form.is_valid():
        return _item_page(request, item, assign_form=form, status=400)
    data = form.cleaned_data
    changes = {"assignee": data["assignee"]}
    if "due_date" in data:
        changes["due_date"] = data["due_date"]
    try:
        services.action_item_change(
            item=item,
            actor=user,
            expected_version=data["version"],
            note=data.get("reason", ""),
            confirm_past_due_date=form.confirm_past_due_date(),
            submission_token=form.submission_token(),
            **changes,
        )
    except services.DuplicateSubmission as duplicate:
        return _after_duplicate(request, item, duplicate)
    except ValidationError as error:
        form.add_service_errors(error)
        return _item_page(request, item, assign_form=form, status=400)
    except services.ActionItemConflict:
        current = selectors.action_item_detail(pk=pk)
        return _item_page(
            request,
            current,
            assign_form=_rebind_on_current(
                AssignForm, request, current, may_confirm_past_due_date=may_confirm
            ),
            conflict=_conflict(current=current, opened_version=data["version"], submitted=changes),
            status=409,
        )
    return _after_save(request, item, _("The assignment was saved."))


def _item_definition(form: ActionItemCreateForm | ActionItemEditForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        name: data[name] for name in ("title_en", "title_fr", "description_en", "description_fr")
    }


@tracker_member_required
def action_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    recommendation = get_object_or_404(Recommendation, pk=pk)
    policies.require_add_action_item(user, recommendation)
    form = ActionItemCreateForm(
        request.POST if request.method == "POST" else None,
        may_confirm_past_due_date=policies.can_confirm_past_due_date(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.action_item_create(
                recommendation=recommendation,
                actor=user,
                owner_agency_id=form.cleaned_data["owner_agency"].pk,
                due_date=form.cleaned_data["due_date"],
                confirm_past_due_date=form.confirm_past_due_date(),
                **_item_definition(form),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Action item %(reference)s was added.") % {"reference": item.reference}
            )
            return redirect("recommendations:item", pk=item.pk)
    return render(
        request,
        "recommendations/action_item_form.html",
        {"form": form, "recommendation": recommendation, "item": None},
        status=400 if form.errors else 200,
    )


@tracker_member_required
def action_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = selectors.action_item_detail(pk=pk)
    policies.require_edit_item_definition(user, item)
    form = ActionItemEditForm(request.POST if request.method == "POST" else None, instance=item)
    conflict: Conflict | None = None
    if request.method == "POST" and form.is_valid():
        values = {**_item_definition(form), "owner_agency": form.cleaned_data["owner_agency"]}
        try:
            services.action_item_update_definition(
                item=item, actor=user, expected_version=form.cleaned_data["version"], **values
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except services.ActionItemConflict:
            current = selectors.action_item_detail(pk=pk)
            conflict = _conflict(
                current=current,
                opened_version=form.cleaned_data["version"],
                submitted={
                    k: v for k, v in values.items() if k in {"title_en", "title_fr", "owner_agency"}
                },
            )
            data = request.POST.copy()
            data["version"] = str(current.version)
            item = current
            form = ActionItemEditForm(data, instance=current)
        else:
            return _after_save(request, item, _("Your changes were saved."))
    status = 409 if conflict else (400 if form.errors else 200)
    return render(
        request,
        "recommendations/action_item_form.html",
        {"form": form, "recommendation": item.recommendation, "item": item, "conflict": conflict},
        status=status,
    )
