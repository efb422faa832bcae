"""``python manage.py import_workbook PATH [--dry-run]``, as the brief fixes it."""

from pathlib import Path

import pytest
from django.core.management import call_command

from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Source, Theme
from tests.factories import AgencyFactory

from .helpers import Sheets, new_source_sheets, xlsx


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Source, Theme, Recommendation, ActionItem, ProgressUpdate)
    )


@pytest.fixture
def agencies(db: None) -> None:
    for acronym in ("CBSA", "RCMP", "HC"):
        AgencyFactory.create(acronym=acronym)


def _write(tmp_path: Path, sheets: Sheets, name: str = "import.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(xlsx(sheets))
    return path


def test_import_creates_everything_and_again_changes_nothing(
    agencies: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, new_source_sheets())
    call_command("import_workbook", str(path))
    assert _counts() == (1, 1, 2, 3, 0)
    item = ActionItem.objects.get(recommendation__code="RT22-02")
    assert (item.sequence, item.owner_agency.acronym, str(item.due_date)) == (
        1,
        "RCMP",
        "2024-01-31",
    )
    recommendation = Recommendation.objects.get(code="RT22-01")
    assert recommendation.priority == "high"
    assert [a.acronym for a in recommendation.supporting_agencies.all()] == ["RCMP"]
    capsys.readouterr()
    call_command("import_workbook", str(path))
    assert "nothing changed" in capsys.readouterr().out
    assert _counts() == (1, 1, 2, 3, 0)


def test_dry_run_writes_nothing(
    agencies: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, new_source_sheets())
    call_command("import_workbook", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Recommendations: 2 created, 0 updated, 0 unchanged" in out
    assert _counts() == (0, 0, 0, 0, 0)


def test_french_headers_and_sheet_names_import_the_same(agencies: None, tmp_path: Path) -> None:
    call_command("import_workbook", str(_write(tmp_path, new_source_sheets("fr"))))
    assert _counts() == (1, 1, 2, 3, 0)
    assert Recommendation.objects.get(code="RT22-02").priority == "medium"


def test_one_refused_row_writes_nothing_and_exits_1_listing_it(
    agencies: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = new_source_sheets()
    sheets["Action items"][3][6] = "NOPE"
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_workbook", str(_write(tmp_path, sheets)))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "row 4" in err
    assert "NOPE" in err
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_changed_row_updates_its_definition_and_leaves_a_timeline_entry(
    agencies: None, tmp_path: Path
) -> None:
    call_command("import_workbook", str(_write(tmp_path, new_source_sheets())))
    item = ActionItem.objects.get(recommendation__code="RT22-01", sequence=2)
    ActionItem.objects.filter(pk=item.pk).update(status="in_progress", percent_complete=40)
    sheets = new_source_sheets()
    sheets["Action items"][2][2] = "Share seizure data monthly"
    sheets["Action items"][2][7] = "2023-10-31"
    call_command("import_workbook", str(_write(tmp_path, sheets, "changed.xlsx")))
    item.refresh_from_db()
    assert item.title_en == "Share seizure data monthly"
    assert str(item.due_date) == "2023-10-31"
    assert str(item.original_due_date) == "2023-09-30"
    assert (item.status, item.percent_complete) == ("in_progress", 40)  # workflow untouched
    assert item.updates.count() == 2  # definition, re-date


def test_a_csv_file_imports_one_sheet(agencies: None, tmp_path: Path) -> None:
    call_command("import_workbook", str(_write(tmp_path, new_source_sheets())))
    csv_path = tmp_path / "items.csv"
    csv_path.write_text(
        "Recommendation code,Title (English),Title (French),Owner agency,Due date\n"
        "RT22-02,Second item,Deuxième mesure,HC,2025-01-01\n",
        encoding="utf-8",
    )
    call_command("import_workbook", str(csv_path))
    # Without a number the row is the recommendation's first in the file: item 1, renamed.
    assert (
        ActionItem.objects.get(recommendation__code="RT22-02", sequence=1).title_en == "Second item"
    )


def test_the_services_rules_are_checked_in_the_preview(
    agencies: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = new_source_sheets()
    sheets["Recommendations"][1][0] = "not a code"
    sheets["Action items"][3][7] = "1999-01-01"
    with pytest.raises(SystemExit):
        call_command("import_workbook", str(_write(tmp_path, sheets)), "--dry-run")
    err = capsys.readouterr().err
    assert "Enter a code such as RT22-03" in err
    assert "Enter a due date between" in err
    assert _counts() == (0, 0, 0, 0, 0)
