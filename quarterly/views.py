"""The "Quarterly reports" page and the archived documents, behind the reading rule."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recommendations import policies

from .models import QuarterlyReport
from .selectors import can_view_quarterly_report, quarterly_reports_for


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    if not policies.can_view_tracker(request.user):
        raise PermissionDenied(_("Only members of an agency may read quarterly reports."))
    return render(
        request,
        "quarterly/report_list.html",
        {"reports": list(quarterly_reports_for(request.user))},
    )


@login_required
@require_GET
def report_document(request: HttpRequest, pk: int, kind: str, language: str) -> FileResponse:
    report = get_object_or_404(QuarterlyReport.objects.select_related("agency"), pk=pk)
    if not can_view_quarterly_report(request.user, report):
        raise PermissionDenied(
            _("An agency's quarterly report is for its managers and the coordinators.")
            if report.agency_id
            else _("The report on all agencies is for the coordinators.")
        )
    if kind not in ("docx", "html") or language not in ("en", "fr"):
        raise Http404
    document = report.document(kind, language)
    name = (document.name or "").rsplit("/", 1)[-1]
    if kind == "html":
        return FileResponse(document.open("rb"), content_type="text/html; charset=utf-8")
    return FileResponse(document.open("rb"), as_attachment=True, filename=name)
