"""The reports page and its exports: thin views over ``report_summary`` and ``report_document``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reports import policies

from . import exports
from .charts import report_charts
from .forms import ReportFilterForm
from .selectors import ReportSummary, report_summary
from .tables import ReportDocument, report_document


@dataclass(frozen=True)
class ReportRequest:
    form: ReportFilterForm
    summary: ReportSummary | None
    document: ReportDocument | None

    @property
    def query_string(self) -> str:
        """The filters in use, for links that keep them (exports, bookmarks)."""
        if not self.form.is_valid():
            return ""
        return urlencode(
            [
                (name, value)
                for name in self.form.fields
                if (value := self.form.data.get(name, "").strip())
            ]
        )


def _report_request(request: HttpRequest) -> ReportRequest:
    if not policies.can_view_reports(request.user):
        raise PermissionDenied(_("Only members of an agency may read progress reports."))
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return ReportRequest(form=form, summary=None, document=None)
    summary = report_summary(user=request.user, filters=form.report_filters())
    document = report_document(summary, applied_filters=form.applied_filters())
    return ReportRequest(form=form, summary=summary, document=document)


def _bad_filters(report: ReportRequest) -> HttpResponse:
    lines = [
        f"{report.form.fields[name].label if name in report.form.fields else name}: {message}"
        for name, messages in report.form.errors.items()
        for message in messages
    ]
    return HttpResponseBadRequest(
        "\n".join([_("The report's filters are not valid:"), *lines]),
        content_type="text/plain; charset=utf-8",
    )


@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    """The report for the person's scope and the filters in the address."""
    report = _report_request(request)
    charts = None
    if report.summary is not None:
        charts = report_charts(
            by_agency=report.summary.by_agency,
            by_theme=report.summary.by_theme,
            history=report.summary.history,
        )
    return render(
        request,
        "reports/report.html",
        {
            "form": report.form,
            "report": report.document,
            "tables": {table.key: table for table in report.document.tables}
            if report.document
            else {},
            "charts": charts,
            "query_string": report.query_string,
        },
    )


def _export(
    request: HttpRequest,
    write: Callable[[ReportDocument], str | bytes],
    *,
    content_type: str,
    extension: str,
) -> HttpResponse:
    """The report as a file to download, or the filter errors (400)."""
    report = _report_request(request)
    if report.document is None:
        return _bad_filters(report)
    response = HttpResponse(write(report.document), content_type=content_type)
    filename = f"progress-report-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def report_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(
        request, exports.report_csv, content_type="text/csv; charset=utf-8", extension="csv"
    )


@login_required
@require_GET
def report_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, exports.report_xlsx, content_type=exports.XLSX_TYPE, extension="xlsx")
