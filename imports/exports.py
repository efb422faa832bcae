"""Exports of recommendations, action items and the full timeline, as CSV or XLSX, streamed.

Rows are read from the database in chunks (``iterator(chunk_size=...)``), so the cost of a
request does not grow in memory with the data: the CSV goes out line by line in a streaming
response; the workbook is written by the project's XLSX writer (``imports.xlsx``, XlsxWriter in
constant-memory mode) to a temporary file that is then streamed. Every cell goes through
``cells.cell_safe`` (formula injection). The filters are the
API's (``recommendations.api.filters``), so an export is filtered exactly like the list it
comes from.
"""

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recommendations.models import ActionItem, ProgressUpdate, Recommendation, progress_average

from .cells import row_safe
from .xlsx import XlsxFile

CHUNK_SIZE = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportKind:
    key: str
    title: Any  # lazy string: the sheet's and the file's name
    headers: Callable[[], list[str]]
    rows: Callable[[QuerySet[Any]], Iterator[list[Any]]]


def _local(moment: datetime.datetime | None, zone: datetime.tzinfo) -> datetime.datetime | None:
    # Spreadsheets have no time zones: local time, as the pages show it.
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def recommendation_rows(queryset: QuerySet[Recommendation]) -> Iterator[list[Any]]:
    rows = (
        queryset.select_related("source", "theme", "lead_agency")
        .prefetch_related("supporting_agencies")
        .annotate(item_count=Count("action_items"), progress=progress_average("action_items__"))
        .order_by("code")
    )
    for r in rows.iterator(chunk_size=CHUNK_SIZE):
        yield [
            r.code,
            r.source.key,
            r.theme.key,
            r.theme.get_section_display(),
            r.title_en,
            r.title_fr,
            r.get_priority_display(),
            r.lead_agency.acronym,
            ", ".join(sorted(a.acronym for a in r.supporting_agencies.all())),
            r.target_date,
            r.item_count,
            round(r.progress, 1) if r.progress is not None else None,
            r.source_passage,
        ]


def recommendation_headers() -> list[str]:
    return [
        _("Code"), _("Source"), _("Theme"), _("Section"), _("Title (English)"),
        _("Title (French)"), _("Priority"), _("Lead agency"), _("Supporting agencies"),
        _("Target date"), _("Action items"), _("Progress (%)"), _("Source passage"),
    ]  # fmt: skip


def item_rows(queryset: QuerySet[ActionItem]) -> Iterator[list[Any]]:
    rows = queryset.with_flags().values_list(  # type: ignore[attr-defined]
        "recommendation__code", "sequence", "recommendation__source__key", "title_en",
        "title_fr", "owner_agency__acronym", "assignee__username", "status", "percent_complete",
        "due_date", "original_due_date", "overdue", "stale", "last_progress_at", "updated_at",
        "version",
    ).order_by("recommendation__code", "sequence")  # fmt: skip
    # Translated once, not once per row (a lazy label's str() asks the active language).
    labels = {key: str(label) for key, label in ActionItem._meta.get_field("status").choices or []}
    yes, no = _("yes"), _("no")
    zone = timezone.get_current_timezone()  # once: asking per value is most of a row's time
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (code, sequence, source, title_en, title_fr, agency, assignee, status, percent,
         due, original, overdue, stale, progress_at, updated_at, version) = row  # fmt: skip
        yield [
            f"{code}.{sequence}", code, source, title_en, title_fr, agency, assignee or "",
            labels.get(status, status), percent, due, original, yes if overdue else no,
            yes if stale else no, _local(progress_at, zone), _local(updated_at, zone), version,
        ]  # fmt: skip


def item_headers() -> list[str]:
    return [
        _("Reference"), _("Recommendation"), _("Source"), _("Title (English)"),
        _("Title (French)"), _("Owner agency"), _("Assignee"), _("Status"),
        _("Percent complete"), _("Due date"), _("Original due date"), _("Overdue"), _("Stale"),
        _("Last progress"), _("Updated"), _("Version"),
    ]  # fmt: skip


def timeline_rows(queryset: QuerySet[ProgressUpdate]) -> Iterator[list[Any]]:
    rows = queryset.values_list(
        "action_item__recommendation__code", "action_item__sequence", "created_at",
        "author__username", "status_before", "status_after", "percent_before", "percent_after",
        "due_date_before", "due_date_after", "assignee_before__username",
        "assignee_after__username", "note",
    ).order_by("created_at", "id")  # fmt: skip
    labels = {
        key: str(label)
        for key, label in ProgressUpdate._meta.get_field("status_after").choices or []
    }
    zone = timezone.get_current_timezone()
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (code, sequence, created, author, s_before, s_after, p_before, p_after, d_before,
         d_after, a_before, a_after, note) = row  # fmt: skip
        yield [
            f"{code}.{sequence}", _local(created, zone), author or "",
            labels.get(s_before, s_before), labels.get(s_after, s_after), p_before,
            p_after, d_before, d_after, a_before or "", a_after or "", note,
        ]  # fmt: skip


def timeline_headers() -> list[str]:
    return [
        _("Action item"), _("Recorded"), _("Author"), _("Status before"), _("Status after"),
        _("Percent before"), _("Percent after"), _("Due date before"), _("Due date after"),
        _("Assignee before"), _("Assignee after"), _("Note"),
    ]  # fmt: skip


KINDS = {
    "recommendations": ExportKind(
        "recommendations",
        gettext_lazy("Recommendations"),
        recommendation_headers,
        recommendation_rows,
    ),
    "action-items": ExportKind(
        "action-items", gettext_lazy("Action items"), item_headers, item_rows
    ),
    "timeline": ExportKind("timeline", gettext_lazy("Timeline"), timeline_headers, timeline_rows),
}


class _Echo:
    """A file that hands back what is written, for ``csv.writer`` to produce one line at a time."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def csv_lines(kind: ExportKind, queryset: QuerySet[Any]) -> Iterator[str]:
    """The CSV file, line by line: a byte-order mark (French accents in spreadsheet programs),
    the header, then the rows. The lines are produced after the view has returned, so the
    language of the request is carried into the generator."""
    language = translation.get_language()

    def lines() -> Iterator[str]:
        with translation.override(language):
            writer = csv.writer(_Echo(), lineterminator="\r\n")
            yield "\ufeff" + writer.writerow(row_safe(kind.headers()))
            for row in kind.rows(queryset):
                yield writer.writerow(row_safe([_csv_value(value) for value in row]))

    return lines()


def xlsx_file(kind: ExportKind, queryset: QuerySet[Any]) -> IO[bytes]:
    """The workbook in a temporary file (deleted when closed), positioned at its start: one
    sheet, a bold frozen header, then the rows, written by the project's XLSX writer
    (``imports.xlsx``: streamed to disk, each cell typed by its value and sanitised)."""
    book = XlsxFile()
    sheet = book.sheet(str(kind.title))
    headers = kind.headers()
    sheet.append_rows([headers], [book.bold] * len(headers))
    sheet.append_rows(kind.rows(queryset))
    return book.close()


def export_filename(kind: ExportKind, extension: str) -> str:
    return f"{kind.key}-{timezone.localdate().isoformat()}.{extension}"


def iter_chunks(lines: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Group lines into larger chunks, so a 100,000-row file is not 100,000 tiny writes."""
    buffer: list[str] = []
    length = 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")
