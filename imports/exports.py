"""Exports of recommendations, action items and the full timeline, as CSV or XLSX, streamed.

Rows are read from the database in chunks (``iterator(chunk_size=...)``), so the cost of a
request does not grow in memory with the data: the CSV goes out line by line in a streaming
response; the workbook is written by XlsxWriter in constant-memory mode to a temporary file
that is then streamed. Every cell goes through ``cells.cell_safe`` (formula injection). The filters are the
API's (``recommendations.api.filters``), so an export is filtered exactly like the list it
comes from.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recommendations.models import ActionItem, ProgressUpdate, Recommendation, progress_average

from .cells import cell_safe, row_safe

CHUNK_SIZE = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportKind:
    key: str
    title: Any  # lazy string: the sheet's and the file's name
    headers: Callable[[], list[str]]
    rows: Callable[[QuerySet[Any]], Iterator[list[Any]]]


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    # Spreadsheets have no time zones: local time, as the pages show it.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


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
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (code, sequence, source, title_en, title_fr, agency, assignee, status, percent,
         due, original, overdue, stale, progress_at, updated_at, version) = row  # fmt: skip
        yield [
            f"{code}.{sequence}", code, source, title_en, title_fr, agency, assignee or "",
            labels.get(status, status), percent, due, original, yes if overdue else no,
            yes if stale else no, _local(progress_at), _local(updated_at), version,
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
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (code, sequence, created, author, s_before, s_after, p_before, p_after, d_before,
         d_after, a_before, a_after, note) = row  # fmt: skip
        yield [
            f"{code}.{sequence}", _local(created), author or "",
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
    """The workbook in a temporary file (deleted when closed), positioned at its start.

    Written by XlsxWriter in ``constant_memory`` mode: each row goes to disk as it is written,
    so memory stays flat at 100,000 rows, and it costs about a fifth of the CPU of openpyxl's
    write-only mode, whose per-cell objects were most of the export's time (README,
    ``make benchmark-import``). Every cell is written by its type, never by ``write()``'s
    guessing: a sanitised ``'=…`` stays a string, a URL-looking title stays text (no
    hyperlink), dates are real dates in the ``yyyy-mm-dd`` format.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the streaming response
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(str(kind.title)[:31])
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    formats = {
        datetime.datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        datetime.date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for column, label in enumerate(kind.headers()):
        sheet.write_string(0, column, cell_safe(label), bold)
    write_string, write_number = sheet.write_string, sheet.write_number
    write_datetime, write_boolean = sheet.write_datetime, sheet.write_boolean
    for number, row in enumerate(kind.rows(queryset), start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue  # an empty cell, as openpyxl left it
            if isinstance(value, str):
                write_string(number, column, cell_safe(value))
            elif isinstance(value, bool):
                write_boolean(number, column, value)
            elif isinstance(value, (int, float, Decimal)):
                write_number(number, column, value)
            elif isinstance(value, (datetime.date, datetime.datetime)):
                write_datetime(number, column, value, formats[type(value)])
            else:
                write_string(number, column, cell_safe(str(value)))
    workbook.close()
    output.seek(0)
    return output


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
