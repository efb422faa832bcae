"""The report's CSV and Excel files are streamed: the CSV a line at a time
(``StreamingHttpResponse``), the workbook through the project's XLSX writer (``imports.xlsx``)
to a temporary file sent in blocks, so the memory the writers take does not grow with the rows.
Their content is the page's (``test_report_exports.py`` compares them cell by cell)."""

import datetime
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import User
from reports.exports import report_csv_lines, report_xlsx_file
from reports.tables import Column, Kind, ReportDocument, ReportTable
from tests.reports.datasets import dataset_create
from tests.reports.readers import body, workbook


@pytest.mark.django_db
def test_both_exports_are_streamed_over_http(client: Client, coordinator: User) -> None:
    dataset_create(seed=7, items=60, agencies=5)
    client.force_login(coordinator)
    csv_response = client.get("/reports/export.csv")
    excel_response = client.get("/reports/export.xlsx")
    assert csv_response.streaming
    assert excel_response.streaming
    assert 'filename="progress-report-' in excel_response["Content-Disposition"]
    chunks = list(cast(Any, csv_response).streaming_content)
    assert len(chunks) > 60  # a line at a time, not one string
    assert workbook(body(excel_response)).sheetnames[0] == "Report"


def _document(rows: int) -> ReportDocument:
    """A report with one table of ``rows`` rows, made as they are read (as a database cursor
    would give them), so that only the writer's own memory is measured."""

    def lazy_rows() -> Iterator[list[Any]]:
        for n in range(rows):
            yield [f"=RT21-{n}.1", n, 12.5, datetime.date(2026, 10, 1)]

    table = ReportTable(
        key="items",
        title="Items",
        columns=[
            Column("Reference"),
            Column("Count", Kind.COUNT),
            Column("Percent", Kind.PERCENT),
            Column("Due", Kind.DATE),
        ],
        rows=cast(list[list[Any]], lazy_rows()),
    )
    return ReportDocument(
        title="Report",
        generated_at=timezone.now(),
        scope="All",
        applied_filters=[],
        history_period="",
        tables=[table],
    )


def _peak(write: Callable[[ReportDocument], None], rows: int) -> int:
    document = _document(rows)
    tracemalloc.start()
    try:
        write(document)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _csv(document: ReportDocument) -> None:
    for _line in report_csv_lines(document):
        pass


def _xlsx(document: ReportDocument) -> None:
    report_xlsx_file(document).close()


@pytest.mark.parametrize("write", [_csv, _xlsx], ids=["csv", "xlsx"])
def test_the_writers_memory_does_not_grow_with_the_rows(
    write: Callable[[ReportDocument], None],
) -> None:
    small, large = _peak(write, 2_000), _peak(write, 20_000)
    # Ten times the rows: the peak stays about the same (a workbook held in memory, as before,
    # took about ten times as much).
    assert large < 2 * small + 256 * 1024, (small, large)


def test_the_streamed_files_keep_the_cell_sanitiser() -> None:
    text = "".join(report_csv_lines(_document(3)))
    assert "'=RT21-0.1" in text
    with report_xlsx_file(_document(3)) as output:
        book = workbook(output.read())
    sheet = book.worksheets[1]
    assert sheet["A2"].value == "'=RT21-0.1"
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["A1"].font.bold
