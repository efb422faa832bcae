"""The reports page and its exports: thin views over ``report_summary`` and ``report_document``."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reports import policies

from . import exports
from .charts import report_charts
from .complete_lists import report_export_document
from .forms import ReportFilterForm
from .selectors import (
    CHANGE_PERIODS,
    LIST_LIMIT,
    ReportSummary,
    report_changes,
    report_my_work_query,
    report_summary,
)
from .tables import ReportDocument, needs_attention, report_document


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


def _report_form(request: HttpRequest) -> ReportFilterForm:
    """The report's filters from the address, for someone who may read reports."""
    if not policies.can_view_reports(request.user):
        raise PermissionDenied(_("Only members of an agency may read progress reports."))
    return ReportFilterForm(request.GET)


def _report_request(request: HttpRequest, *, list_limit: int | None = LIST_LIMIT) -> ReportRequest:
    form = _report_form(request)
    if not form.is_valid():
        return ReportRequest(form=form, summary=None, document=None)
    summary = report_summary(
        user=request.user, filters=form.report_filters(), list_limit=list_limit
    )
    document = report_document(summary, applied_filters=form.applied_filters())
    return ReportRequest(form=form, summary=summary, document=document)


def _bad_filters(report: ReportRequest) -> HttpResponse:
    lines = [
        _("%(label)s: %(value)s")
        % {
            "label": report.form.fields[name].label if name in report.form.fields else name,
            "value": message,
        }
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
    charts = attention = changes = None
    if report.summary is not None:
        charts = report_charts(
            by_agency=report.summary.by_agency,
            by_theme=report.summary.by_theme,
            history=report.summary.history,
        )
        filters = report.form.report_filters()
        attention = needs_attention(
            report.summary, my_work_query=report_my_work_query(user=request.user, filters=filters)
        )
        changes = report_changes(
            user=request.user, filters=filters, days=report.form.changes_days()
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
            "attention": attention,
            "changes": changes,
            "change_links": _change_links(report) if changes else [],
            "summary": report.summary,
            "query_string": report.query_string,
        },
    )


def _change_links(report: ReportRequest) -> list[tuple[int, str, bool]]:
    """(days, address, is current) for each period of "What changed", keeping the filters."""
    current = report.form.changes_days()
    base = {
        name: value
        for name in report.form.fields
        if name != "changed" and (value := report.form.data.get(name, "").strip())
    }
    return [
        (days, "?" + urlencode({**base, "changed": days}) + "#changes", days == current)
        for days in CHANGE_PERIODS
    ]


def _export(
    request: HttpRequest,
    stream: Callable[[ReportDocument], Iterator[str] | IO[bytes]],
    *,
    content_type: str,
    extension: str,
) -> HttpResponseBase:
    """The report as a file to download, streamed, or the filter errors (400)."""
    # Every row of every list (the page shows the first LIST_LIMIT of each).
    report = _report_request(request, list_limit=None)
    if report.document is None:
        return _bad_filters(report)
    return _download(stream(report.document), content_type=content_type, extension=extension)


def _download(
    content: Iterator[str] | IO[bytes], *, content_type: str, extension: str
) -> HttpResponseBase:
    filename = f"progress-report-{timezone.localdate().isoformat()}.{extension}"
    response: StreamingHttpResponse
    if isinstance(content, Iterator):
        response = StreamingHttpResponse(content, content_type=content_type)
    else:  # a file: sent in blocks, closed (and deleted) when the response is
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def report_export_csv(request: HttpRequest) -> HttpResponseBase:
    # The page's cached figures, and the complete lists from their own cache (complete_lists).
    form = _report_form(request)
    if not form.is_valid():
        return _bad_filters(ReportRequest(form=form, summary=None, document=None))
    document, written_rows = report_export_document(
        user=request.user, filters=form.report_filters(), applied_filters=form.applied_filters()
    )
    return _download(
        exports.report_csv_lines(document, written_rows=written_rows),
        content_type="text/csv; charset=utf-8",
        extension="csv",
    )


@login_required
@require_GET
def report_export_xlsx(request: HttpRequest) -> HttpResponseBase:
    return _export(
        request, exports.report_xlsx_file, content_type=exports.XLSX_TYPE, extension="xlsx"
    )
