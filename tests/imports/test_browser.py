"""The spreadsheet round trip in chromium: download, upload, preview, apply, the progress bar."""

import re
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import load_workbook
from playwright.sync_api import Page

from imports import services, tasks
from imports.models import ImportJob
from recommendations.models import ActionItem
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory
from tests.ui.test_browser import browser, page, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@override_settings(IMPORT_INLINE_ROWS=1)
def test_download_edit_upload_preview_and_watch_the_progress_bar(
    page: Page,  # noqa: F811 - the fixture imported above
    roles: RoleMatrix,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    second = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    queued: list[int] = []
    # The worker is this test: the task is recorded, not run, so the page shows it queued.
    monkeypatch.setattr(tasks.progress_job_apply_task, "delay", queued.append)
    sign_in(page, roles.staff)
    page.get_by_role("link", name="Spreadsheets").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your agency's open items (.xlsx)").click()
    path = tmp_path / "items.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [str(c.value).split(" / ")[0] for c in sheet[1]]
    percent = header.index("Percent complete (edit)") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=percent).value = 55
    book.save(path)

    page.goto("/spreadsheets/progress/")
    page.get_by_label("Workbook (.xlsx) or CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/spreadsheets/progress/\d+/$"))
    assert "2 changes to apply" in page.locator("#preview-counts").inner_text()
    assert page.locator("#changes tbody tr").count() == 2
    page.get_by_role("button", name="Apply the changes").click()

    bar = page.locator("progress#import-progress")
    bar.wait_for()
    assert bar.get_attribute("max") == "2"
    assert "0 of 2 rows done" in page.locator("#import-progress-text").inner_text()
    assert queued == [ImportJob.objects.get().pk]
    services.progress_job_apply(job_id=queued[0])  # the worker runs; the page polls and reloads
    page.locator("#import-done").wait_for()
    assert "2 rows applied" in page.locator("#import-done").inner_text()
    assert set(
        ActionItem.objects.filter(pk__in=[roles.item.pk, second.pk]).values_list(
            "percent_complete", flat=True
        )
    ) == {55}
