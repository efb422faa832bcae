"""The documents: a Word file that python-docx opens, with headings, header rows and chart
alternatives; the same content as an accessible HTML page; both languages; archived versions."""

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from notifications.models import Notification
from quarterly.models import QuarterlyReport
from quarterly.quarters import Quarter
from quarterly.selectors import quarterly_content
from quarterly.services import quarterly_report_store
from tests.quarterly.conftest import QuarterWorld

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def _docx(report: QuarterlyReport, language: str) -> DocxDocument:
    with report.document("docx", language).open("rb") as handle:
        return Document(io.BytesIO(handle.read()))


def test_the_word_document_has_headings_header_rows_and_chart_alternatives(
    quarter_world: QuarterWorld,
) -> None:
    report = quarterly_report_store(
        content=quarterly_content(quarter=Quarter(2026, 3), agency=None)
    )
    document = _docx(report, "en")
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings == [
        "Headline figures",
        "Progress by agency",
        "Progress by theme",
        "Completed this quarter",
        "Overdue and blocked",
        "Re-dated this quarter",
        "Due next quarter",
    ]
    title_style = document.paragraphs[0].style
    assert title_style is not None
    assert title_style.name == "Title"
    assert document.tables, "no table"
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None
        assert header.trPr.find(qn("w:tblHeader")) is not None
        assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    pictures = document.inline_shapes
    assert len(pictures) == 2
    for picture in pictures:
        description = picture._inline.docPr.get("descr")
        assert description
        assert "The table below gives every number" in description
    overdue = document.tables[4]
    assert [cell.text for cell in overdue.rows[0].cells][-1] == "Days overdue"
    assert overdue.rows[1].cells[0].text.startswith("PCD-1.")
    assert overdue.rows[1].cells[-1].text == "29"  # due 1 September, quarter ends 30 September
    redated = document.tables[5]
    assert redated.rows[1].cells[4].text == "Waiting for the minister's office"


def test_the_french_documents_are_in_french(quarter_world: QuarterWorld) -> None:
    report = quarterly_report_store(
        content=quarterly_content(quarter=Quarter(2026, 3), agency=None)
    )
    document = _docx(report, "fr")
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings[0] == "Chiffres clés"
    assert document.core_properties.language == "fr-CA"
    with report.document("html", "fr").open("rb") as handle:
        html = handle.read().decode()
    assert '<html lang="fr">' in html
    assert "Gendarmerie royale du Canada" in html


def test_the_html_page_has_the_same_content_with_the_report_pages_charts(
    quarter_world: QuarterWorld,
) -> None:
    report = quarterly_report_store(
        content=quarterly_content(quarter=Quarter(2026, 3), agency=None)
    )
    with report.document("html", "en").open("rb") as handle:
        html = handle.read().decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 2
    assert html.count("<h2 id=") == 8  # the contents, then the seven sections
    assert '<th scope="col">Days overdue</th>' in html
    assert "Waiting for the minister&#x27;s office" in html


def test_producing_a_quarter_again_keeps_the_previous_version(quarter_world: QuarterWorld) -> None:
    call_command("quarterly_report", "--quarter", "2026Q3", "--agency", "rcmp")
    call_command("quarterly_report", "--quarter", "2026Q3", "--agency", "RCMP")
    versions = list(QuarterlyReport.objects.filter(agency=quarter_world.rcmp).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].docx_en.name != versions[1].docx_en.name
    assert all(v.docx_en.storage.exists(str(v.docx_en.name)) for v in versions)


def test_the_command_produces_every_report_and_a_dry_run_writes_nothing(
    quarter_world: QuarterWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("quarterly_report", "--quarter", "2026Q3", "--dry-run")
    assert QuarterlyReport.objects.count() == 0
    assert Notification.objects.count() == 0
    assert "Dry run" in capsys.readouterr().out
    call_command("quarterly_report", "--quarter", "2026Q3")
    scopes = sorted(
        (r.agency.acronym if r.agency else "all") for r in QuarterlyReport.objects.all()
    )
    assert scopes == ["CBSA", "RCMP", "all"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--quarter", "2026Q5"], "is not a quarter"),
        (["--quarter", "2999Q1"], "has not ended"),
        (["--quarter", "2026Q3", "--agency", "NOPE"], "No agency"),
    ],
)
def test_the_command_refuses_bad_input_clearly(
    quarter_world: QuarterWorld, arguments: list[Any], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("quarterly_report", *arguments)
    assert QuarterlyReport.objects.count() == 0


def test_the_command_exits_with_a_non_zero_status_on_a_malformed_quarter() -> None:
    finished = subprocess.run(
        [sys.executable, "manage.py", "quarterly_report", "--quarter", "next"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 1
    assert "is not a quarter" in finished.stderr
