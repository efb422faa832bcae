"""Pages of the spreadsheet round trip: thin callers of the imports' planners and services."""

import tempfile
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.auth import signed_in_user
from recommendations import policies
from recommendations import sources as source_services
from recommendations.api.filters import ActionItemFilter, ProgressUpdateFilter, RecommendationFilter
from recommendations.models import ActionItem, ProgressUpdate, Recommendation
from recommendations.views import tracker_member_required

from . import exports, progress, services
from .forms import SourceForm, SourceWorkbookForm, UploadForm
from .models import ImportJob
from .reading import WorkbookRefused, book_read
from .sources import ImportFailed, plan_for_book, source_import_apply
from .template import template_workbook

XLSX = exports.XLSX_TYPE


def _coordinator(request: HttpRequest) -> Any:
    user = signed_in_user(request)
    if not policies.can_edit_recommendation(user):
        raise PermissionDenied(_("Only coordinators may import recommendations."))
    return user


def _attachment(
    response: HttpResponse | FileResponse | StreamingHttpResponse, name: str
) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return cast(HttpResponse, response)  # every kind is served the same way


@tracker_member_required
@require_GET
def imports_index(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "imports/index.html",
        {
            "is_coordinator": policies.can_edit_recommendation(user),
            "exports": exports.KINDS.values(),
            "recent": ImportJob.objects.filter(user=user).defer("content")[:10],
        },
    )


# A new source and its workbook -----------------------------------------------------------------


@tracker_member_required
@require_http_methods(["GET", "POST"])
def source_create(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    form = SourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source, _written = source_services.source_save(
                actor=user,
                key=data["key"] or source_services.source_key_suggest(data["title_en"]),
                title_en=data["title_en"],
                title_fr=data["title_fr"],
                publisher_en=data["publisher_en"],
                publisher_fr=data["publisher_fr"],
                published_on=data["published_on"],
                url=data["url"] or "",
                text=data["text"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("The source “%(title)s” was saved. Import its recommendations now.")
                % {"title": source.title},
            )
            return redirect(f"{reverse('imports:source_workbook')}?source={source.pk}")
    return render(
        request, "imports/source_form.html", {"form": form}, status=400 if form.errors else 200
    )


@tracker_member_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    return _attachment(response, "tracker-import-template.xlsx")


@tracker_member_required
@require_http_methods(["GET", "POST"])
def source_workbook(request: HttpRequest) -> HttpResponse:
    """Upload a workbook: it is kept, then previewed."""
    user = _coordinator(request)
    initial = (
        {"source": request.GET.get("source")} if request.GET.get("source", "").isdigit() else {}
    )
    form = SourceWorkbookForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.import_job_create(
            user=user,
            kind=ImportJob.Kind.SOURCE,
            filename=upload.name,
            content=upload.read(),
            source=form.cleaned_data["source"],
        )
        return redirect("imports:source_preview", pk=job.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "kind": "source"},
        status=400 if form.errors else 200,
    )


def _job(request: HttpRequest, pk: int, kind: str) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("source"), pk=pk, kind=kind)
    if job.user_id != signed_in_user(request).pk:
        raise PermissionDenied(_("This upload is someone else's."))
    return job


@tracker_member_required
@require_http_methods(["GET", "POST"])
def source_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan of an upload (every row checked, nothing written); POST confirms it."""
    user = _coordinator(request)
    job = _job(request, pk, ImportJob.Kind.SOURCE)
    context: dict[str, Any] = {"job": job}
    try:
        book = book_read(bytes(job.content), filename=job.filename, csv_sheet_name=job.filename)
    except WorkbookRefused as error:
        context["refused"] = str(error)
        return render(request, "imports/source_preview.html", context, status=400)
    if request.method == "POST" and job.state == ImportJob.State.PREVIEWED:
        # Checked again now: the tracker may have changed since the preview was shown.
        with transaction.atomic():
            plan = plan_for_book(book, default_source=job.source)
            if plan.ok:
                try:
                    source_import_apply(plan, actor=user)
                except ImportFailed as error:
                    plan.problems.extend(error.problems)
                else:
                    services.import_job_record(
                        job=job,
                        state=ImportJob.State.DONE,
                        result={"summary": plan.summary_rows()},
                    )
                    messages.success(request, _("The workbook was imported."))
                    return redirect("imports:source_preview", pk=job.pk)
        context["plan"] = plan
        return render(request, "imports/source_preview.html", context, status=400)
    context["plan"] = (
        plan_for_book(book, default_source=job.source)
        if job.state == ImportJob.State.PREVIEWED
        else None
    )
    return render(request, "imports/source_preview.html", context)


# Bulk progress updates ---------------------------------------------------------------------------


@tracker_member_required
@require_GET
def progress_download(request: HttpRequest) -> Any:
    user = signed_in_user(request)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    progress.progress_workbook(user, output)
    output.seek(0)
    name = f"my-open-items-{timezone.localdate().isoformat()}.xlsx"
    return FileResponse(output, as_attachment=True, filename=name, content_type=XLSX)


@tracker_member_required
@require_http_methods(["GET", "POST"])
def progress_upload(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.import_job_create(
            user=user, kind=ImportJob.Kind.PROGRESS, filename=upload.name, content=upload.read()
        )
        return redirect("imports:progress_job", pk=job.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "kind": "progress"},
        status=400 if form.errors else 200,
    )


@tracker_member_required
@require_http_methods(["GET", "POST"])
def progress_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview an upload (GET), apply its changes (POST), or follow them being applied."""
    user = signed_in_user(request)
    job = _job(request, pk, ImportJob.Kind.PROGRESS)
    context: dict[str, Any] = {"job": job}
    if job.state == ImportJob.State.PREVIEWED:
        if request.method == "POST":
            rows = progress.rows_from_json(job.result.get("rows", []))
            changes = [row for row in rows if row.outcome == "change"]
            if not changes:
                return HttpResponseBadRequest(_("Nothing to apply: preview the file first."))
            with transaction.atomic():
                queued = services.progress_job_start(job=job, rows=changes)
            if not queued:
                messages.success(request, _("The changes were applied."))
            return redirect("imports:progress_job", pk=job.pk)
        try:
            book = book_read(bytes(job.content), filename=job.filename, csv_sheet_name="Items")
        except WorkbookRefused as error:
            context["refused"] = str(error)
            return render(request, "imports/progress_job.html", context, status=400)
        plan = progress.progress_preview(book, actor=user)
        job.result = {"rows": [row.as_dict() for row in plan.rows], "problems": plan.problems}
        job.save(update_fields=["result"])
        context["plan"] = plan
        return render(
            request, "imports/progress_job.html", context, status=400 if plan.problems else 200
        )
    if request.method == "POST":
        return HttpResponseBadRequest(_("This upload was already applied."))
    applied = job.result.get("applied")
    if applied:
        context["applied"] = {
            "applied": applied["applied"],
            "conflicts": progress.rows_from_json(applied["conflicts"]),
            "refused": progress.rows_from_json(applied["refused"]),
        }
    return render(request, "imports/progress_job.html", context)


@tracker_member_required
@require_GET
def progress_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk, ImportJob.Kind.PROGRESS)
    return JsonResponse(
        {
            "state": job.state,
            "done": job.done_rows,
            "total": job.total_rows,
            "percent": job.percent_done,
        }
    )


# Exports -----------------------------------------------------------------------------------------

_FILTERS = {
    "recommendations": (RecommendationFilter, Recommendation.objects.all),
    "action-items": (ActionItemFilter, ActionItem.objects.all),
    "timeline": (ProgressUpdateFilter, ProgressUpdate.objects.all),
}


def export_queryset(kind: str, params: Any, request: Any = None) -> Any:
    """The rows of an export, filtered by the list's own filters; ValidationError-like errors
    come back as the filterset's errors."""
    filterset_class, queryset = _FILTERS[kind]
    filterset = filterset_class(params, queryset=queryset(), request=request)
    if not filterset.is_valid():
        return None, filterset.errors
    return filterset.qs, None


@tracker_member_required
@require_GET
def export_download(request: HttpRequest, kind: str, extension: str) -> HttpResponse | Any:
    if kind not in exports.KINDS or extension not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Unknown export."))
    queryset, errors = export_queryset(kind, request.GET, request)
    if errors:
        lines = [f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in errors.items()]
        return HttpResponseBadRequest(
            "\n".join([_("The export's filters are not valid:"), *lines]),
            content_type="text/plain; charset=utf-8",
        )
    spec = exports.KINDS[kind]
    name = exports.export_filename(spec, extension)
    if extension == "csv":
        response = StreamingHttpResponse(
            exports.iter_chunks(exports.csv_lines(spec, queryset)),
            content_type="text/csv; charset=utf-8",
        )
        return _attachment(response, name)
    return FileResponse(
        exports.xlsx_file(spec, queryset), as_attachment=True, filename=name, content_type=XLSX
    )
