"""An agency's spreadsheet round trip: download open items, edit, upload, preview, apply."""

import io

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pytest_django import DjangoCaptureOnCommitCallbacks

from agencies.models import User
from imports.models import ImportJob
from notifications.models import Watch
from recommendations import services
from recommendations.models import ActionItem, Status
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory, UserFactory


def _download(client: Client) -> Workbook:
    response = client.get(reverse("imports:progress_download"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return load_workbook(io.BytesIO(b"".join(response)))


def _columns(sheet: Worksheet) -> dict[str, int]:
    return {str(c.value).split(" / ")[0]: n for n, c in enumerate(sheet[1], start=1)}


def _edit(
    book: Workbook,
    reference: str,
    *,
    status: str | None = None,
    percent: int | None = None,
    note: str = "",
) -> None:
    sheet = book.worksheets[0]
    columns = _columns(sheet)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == reference:
            if status is not None:
                row[columns["Status (edit)"] - 1].value = status
            if percent is not None:
                row[columns["Percent complete (edit)"] - 1].value = percent
            if note:
                row[columns["Note (edit)"] - 1].value = note
            return
    raise AssertionError(f"{reference} is not in the file")


def _upload(client: Client, book: Workbook) -> str:
    output = io.BytesIO()
    book.save(output)
    response = client.post(
        reverse("imports:progress_upload"),
        {"file": SimpleUploadedFile("items.xlsx", output.getvalue())},
    )
    assert response.status_code == 302, response.content
    return response["Location"]


def test_the_download_holds_my_agencys_open_items_with_a_hidden_version(
    client: Client, roles: RoleMatrix
) -> None:
    closed = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner, status=Status.CANCELLED
    )
    ActionItemFactory.create(owner_agency=roles.unrelated)
    client.force_login(roles.staff)
    sheet = _download(client).worksheets[0]
    columns = _columns(sheet)
    references = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert references == [roles.item.reference]
    assert closed.reference not in references
    version_letter = get_column_letter(columns["version"])
    assert sheet.column_dimensions[version_letter].hidden
    assert sheet.cell(row=2, column=columns["version"]).value == roles.item.version
    assert {"Status (edit)", "Percent complete (edit)", "Note (edit)"} <= set(columns)


def test_an_edited_file_is_previewed_then_applied_through_the_service(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    book = _download(client)
    _edit(book, roles.item.reference, status="In progress", percent=40, note="Started the survey")
    job_url = _upload(client, book)
    preview = client.get(job_url)
    assert preview.status_code == 200
    assert preview.context["plan"].counts()["change"] == 1
    roles.item.refresh_from_db()
    assert roles.item.status == Status.NOT_STARTED  # the preview wrote nothing
    assert roles.item.updates.count() == 0
    assert client.post(job_url).status_code == 302
    roles.item.refresh_from_db()
    assert (roles.item.status, roles.item.percent_complete) == ("in_progress", 40)
    update = roles.item.updates.get()
    assert (update.author, update.note) == (roles.staff, "Started the survey")
    done = client.get(job_url)
    assert done.context["applied"]["applied"] == 1
    assert client.post(job_url).status_code in (302, 400)  # applying twice does nothing more
    assert roles.item.updates.count() == 1


def test_a_change_made_after_the_download_is_a_conflict_shown_side_by_side_and_kept(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    book = _download(client)
    services.action_item_change(
        item=roles.item,
        actor=roles.manager,
        expected_version=roles.item.version,
        status="blocked",
        note="Waiting on legal",
    )
    _edit(book, roles.item.reference, status="In progress", percent=10)
    job_url = _upload(client, book)
    preview = client.get(job_url)
    [conflict] = preview.context["plan"].of("conflict")
    assert conflict.now["status"] == "blocked"
    assert conflict.status == "in_progress"
    page = preview.content.decode()
    assert "In your file" in page
    assert "In the tracker now" in page
    assert "Blocked" in page
    assert preview.context["plan"].counts()["change"] == 0
    assert client.post(job_url).status_code == 400  # nothing to apply
    roles.item.refresh_from_db()
    assert roles.item.status == "blocked"


def test_a_change_made_between_preview_and_apply_is_reported_not_overwritten(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    book = _download(client)
    _edit(book, roles.item.reference, percent=70)
    job_url = _upload(client, book)
    assert client.get(job_url).context["plan"].counts()["change"] == 1
    services.action_item_change(
        item=roles.item,
        actor=roles.manager,
        expected_version=roles.item.version,
        percent_complete=20,
    )
    client.post(job_url)
    result = client.get(job_url).context["applied"]
    assert result["applied"] == 0
    assert [row.reference for row in result["conflicts"]] == [roles.item.reference]
    roles.item.refresh_from_db()
    assert roles.item.percent_complete == 20


def test_rows_the_rules_refuse_are_listed_with_the_reason(
    client: Client, roles: RoleMatrix
) -> None:
    other = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    closed = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    client.force_login(roles.staff)
    book = _download(client)
    _edit(book, roles.item.reference, percent=150)
    _edit(book, other.reference, status="Done-ish")
    services.action_item_change(
        item=closed,
        actor=roles.manager,
        expected_version=closed.version,
        status="cancelled",
        note="Dropped at the review.",
    )
    closed.refresh_from_db()
    sheet = book.worksheets[0]
    columns = _columns(sheet)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == closed.reference:
            row[columns["version"] - 1].value = closed.version
            row[columns["Percent complete (edit)"] - 1].value = 30
    sheet.append(["NOPE-1.9"])
    job_url = _upload(client, book)
    plan = client.get(job_url).context["plan"]
    refused = {row.reference: " ".join(row.messages) for row in plan.of("refused")}
    assert "0 to 100" in refused[roles.item.reference]
    assert "Done-ish" in refused[other.reference]
    assert "closed" in refused[closed.reference]
    assert "NOPE-1.9" in refused


def test_a_supporting_agency_may_add_notes_but_not_change_status(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.supporting_staff)
    book = _download(client)  # their own agency's items: none
    assert book.worksheets[0].max_row == 1
    sheet = book.worksheets[0]
    sheet.append(
        [roles.item.reference] + [None] * 6 + ["Blocked", None, "We can help", roles.item.version]
    )
    job_url = _upload(client, book)
    [refused] = client.get(job_url).context["plan"].of("refused")
    assert "owner agency" in " ".join(refused.messages)
    roles.item.refresh_from_db()
    assert roles.item.status == "not_started"


def test_the_emails_of_many_rows_are_grouped_per_recipient(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    second = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    watcher = UserFactory.create(username="watcher", email="watcher@example.org")
    for item in (roles.item, second):
        Watch.objects.create(user=watcher, action_item=item, watching=True)
    from agencies.models import Membership
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=watcher, agency=roles.supporting, role=Membership.Role.STAFF)
    client.force_login(roles.staff)
    book = _download(client)
    _edit(book, roles.item.reference, status="In progress")
    _edit(book, second.reference, status="Blocked")
    job_url = _upload(client, book)
    client.get(job_url)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url)
    to_watcher = [m for m in mail.outbox if m.to == ["watcher@example.org"]]
    assert len(to_watcher) == 1
    assert roles.item.reference in str(to_watcher[0].body)
    assert second.reference in str(to_watcher[0].body)


@override_settings(IMPORT_INLINE_ROWS=1)
def test_a_large_file_runs_as_a_task_with_progress_and_an_email_when_done(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    second = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    roles.staff.email = "staff@example.org"
    roles.staff.save()
    client.force_login(roles.staff)
    book = _download(client)
    _edit(book, roles.item.reference, percent=10)
    _edit(book, second.reference, percent=20)
    job_url = _upload(client, book)
    client.get(job_url)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(job_url)
    job = ImportJob.objects.get()
    assert (job.state, job.total_rows) == ("queued", 2)
    assert client.get(job_url).context["job"].state == "queued"  # the page shows the progress bar
    for callback in queued:  # the task, queued on commit (the test settings run it eagerly)
        callback()
    job.refresh_from_db()
    assert (job.state, job.done_rows, job.total_rows) == ("done", 2, 2)
    status = client.get(reverse("imports:progress_job_status", args=[job.pk])).json()
    assert status == {"state": "done", "done": 2, "total": 2, "percent": 100}
    [email] = [m for m in mail.outbox if m.to == ["staff@example.org"]]
    assert "2 rows applied" in email.body
    assert ActionItem.objects.get(pk=second.pk).percent_complete == 20


def test_someone_elses_upload_is_not_theirs_to_see(client: Client, roles: RoleMatrix) -> None:
    client.force_login(roles.staff)
    job_url = _upload(client, _download(client))
    client.force_login(roles.manager)
    assert client.get(job_url).status_code == 403


def test_the_upload_obeys_the_status_transition_table(client: Client, roles: RoleMatrix) -> None:
    """Completing is a submission with evidence; cancelling is a manager's decision with a
    reason: the bulk upload refuses both rows as the item page would, and writes nothing."""
    cancelled = ActionItemFactory.create(
        recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    client.force_login(roles.staff)
    book = _download(client)
    _edit(book, roles.item.reference, status="Completed", note="All done")
    _edit(book, cancelled.reference, status="Cancelled", note="Not needed")
    plan = client.get(_upload(client, book)).context["plan"]
    refused = {row.reference: " ".join(row.messages) for row in plan.of("refused")}
    assert "submit it for verification" in refused[roles.item.reference]
    assert "managers of RCMP and coordinators may cancel" in refused[cancelled.reference]
    for item in (roles.item, cancelled):
        item.refresh_from_db()
        assert (item.status, item.version) == (Status.NOT_STARTED, 1)


def test_a_manager_cancels_through_the_upload_only_with_a_reason(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.manager)
    book = _download(client)
    _edit(book, roles.item.reference, status="Cancelled")
    [refused] = client.get(_upload(client, book)).context["plan"].of("refused")
    assert "needs a reason" in " ".join(refused.messages)
    book = _download(client)
    _edit(book, roles.item.reference, status="Cancelled", note="Superseded by the new plan")
    job_url = _upload(client, book)
    assert client.get(job_url).context["plan"].counts()["change"] == 1
    client.post(job_url)
    roles.item.refresh_from_db()
    assert roles.item.status == Status.CANCELLED


def test_the_downloaded_status_list_offers_only_what_an_update_may_set(
    client: Client, roles: RoleMatrix
) -> None:
    client.force_login(roles.staff)
    sheet = _download(client).worksheets[0]
    [validation] = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert validation.formula1 == '"Not started,In progress,Blocked,Cancelled"'


def _apply_queries(roles: RoleMatrix, rows: int, capture: DjangoCaptureOnCommitCallbacks) -> int:
    """The queries of applying ``rows`` status changes, emails to their watcher included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports.progress import RowOutcome, progress_apply

    watcher = UserFactory.create(email="watcher@example.org")
    items = ActionItemFactory.create_batch(
        rows, recommendation=roles.item.recommendation, owner_agency=roles.owner
    )
    Watch.objects.bulk_create(
        [Watch(user=watcher, action_item=item, watching=True) for item in items]
    )
    changes = [
        RowOutcome(
            row=n, reference=item.reference, outcome="change", item_id=item.pk,
            version=item.version, status="in_progress", percent=n % 100, note=f"Row {n}",
        )
        for n, item in enumerate(items, start=2)
    ]  # fmt: skip
    actor = User.objects.get(pk=roles.staff.pk)  # roles not yet read, as in a new job
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        result = progress_apply(changes, actor=actor)
    assert result.applied == rows
    [email] = [m for m in mail.outbox if m.to == ["watcher@example.org"]]
    assert all(item.reference in str(email.body) for item in items)
    mail.outbox.clear()
    return len(queries)


def test_applying_a_file_costs_the_same_queries_for_3_rows_as_for_40(
    roles: RoleMatrix, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """Each chunk of rows is checked and written in a fixed number of queries, and their
    emails recorded and sent in a fixed number too: nothing is asked once per row."""
    small = _apply_queries(roles, 3, django_capture_on_commit_callbacks)
    large = _apply_queries(roles, 40, django_capture_on_commit_callbacks)
    assert small == large
