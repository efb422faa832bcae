"""Bulk progress updates: an agency's open items as a workbook, edited and uploaded back.

1. ``progress_workbook`` writes the person's agencies' open items (write-only, so a large
   agency's file is never built in memory) with a hidden ``version`` column; the editable
   columns (status, percent, note) are marked.
2. ``progress_preview`` reads an upload and sorts each row into a change, a refusal or a
   conflict (the item's version moved since the download: file and now side by side). It asks
   the service's own checks (``action_item_change_check``), so the preview refuses what
   applying would refuse; applying asks again and reports whatever it refuses then.
3. ``progress_apply`` applies each row through ``action_item_change`` with the file's version,
   so a web or API edit made in between is never overwritten: that row is reported as a
   conflict. Rows are committed in chunks (the job's progress moves with them); the item-changed
   signals are sent together once everything is written, so the emails are grouped per
   recipient as usual rather than one per row.
"""

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from agencies.models import User
from recommendations import policies, services
from recommendations.models import OPEN_STATUSES, ActionItem, ProgressUpdate, Status
from recommendations.selectors import action_items_with_rule_context
from recommendations.signals import ItemChanged

from . import values
from .cells import row_safe
from .reading import Book, rows_as_dicts
from .values import CellError, Column

COLUMNS = [
    Column("reference", "Reference", "Référence", True),
    Column("recommendation", "Recommendation", "Recommandation"),
    Column("title", "Action item", "Mesure de suivi"),
    Column("owner", "Owner agency", "Organisme propriétaire"),
    Column("assignee", "Assignee", "Responsable"),
    Column("due_date", "Due date", "Échéance"),
    Column("last_update", "Last update", "Dernière mise à jour"),
    Column("status", "Status (edit)", "État (modifiable)"),
    Column("percent", "Percent complete (edit)", "Pourcentage d’achèvement (modifiable)"),
    Column("note", "Note (edit)", "Note (modifiable)"),
    Column("version", "version", "version", True),
    # The item's id, hidden too: finds the row's item in one indexed lookup.
    Column("id", "id", "id"),
]
EDITABLE = ("status", "percent", "note")
_REFERENCE = re.compile(r"^\s*(?P<code>.+)\.(?P<sequence>\d+)\s*$")
_EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SHEET_NAMES = ("Items", "Mesures")
# Rows written per transaction when applying; the job's progress moves after each.
CHUNK_ROWS = 500


def progress_items(user: User) -> QuerySet[ActionItem]:
    """The open items a person may update in bulk: their agencies' (every agency for a
    coordinator), in reference order."""
    roles = policies.roles_of(user)
    items = ActionItem.objects.filter(status__in=OPEN_STATUSES)
    if not roles.sees_everything:
        items = items.filter(owner_agency_id__in=roles.member_of)
    return items.select_related("recommendation", "owner_agency", "assignee").order_by(
        "recommendation__code", "sequence"
    )


def _status_label(status: str) -> str:
    # Translated once per language, not once per row (a lazy label's str() asks gettext).
    language = translation.get_language() or ""
    labels = _STATUS_LABELS.get(language)
    if labels is None:
        labels = _STATUS_LABELS[language] = {value: str(label) for value, label in Status.choices}
    return labels[status]


_STATUS_LABELS: dict[str, dict[str, str]] = {}


def progress_workbook(user: User, output: Any) -> None:
    """Write the person's open items as a workbook to ``output`` (a file), in the active
    language, with a drop-down of statuses and the version column hidden."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(
        SHEET_NAMES[1] if translation.get_language() == "fr" else SHEET_NAMES[0]
    )
    for hidden in ("version", "id"):
        letter = get_column_letter(1 + [c.key for c in COLUMNS].index(hidden))
        sheet.column_dimensions[letter].hidden = True
    for index, column in enumerate(COLUMNS, start=1):
        width = 14 if column.key not in ("title", "recommendation", "note") else 40
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    status_letter = get_column_letter(1 + [c.key for c in COLUMNS].index("status"))
    # The statuses a progress update can set (policies.STATUS_TRANSITIONS): completing is a
    # submission with evidence, on the item's page or through the API, never a cell.
    settable = {
        after
        for (_before, after), rule in policies.STATUS_TRANSITIONS.items()
        if rule.via == policies.Via.CHANGE
    }
    labels = ",".join(_status_label(s) for s in Status.values if s in settable)
    if len(labels) < 255:  # Excel's limit on an inline list
        validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=False)
        validation.add(f"{status_letter}2:{status_letter}100000")
        sheet.data_validations.append(validation)
    percent_letter = get_column_letter(1 + [c.key for c in COLUMNS].index("percent"))
    percent_rule = DataValidation(type="whole", operator="between", formula1="0", formula2="100")
    percent_rule.error = _("Percent complete must be a whole number from 0 to 100.")
    percent_rule.add(f"{percent_letter}2:{percent_letter}100000")
    sheet.data_validations.append(percent_rule)

    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(
            sheet, value=column.en if column.key in ("version", "id") else column.header
        )
        cell.font = Font(bold=True)
        cell.fill = _EDIT_FILL if column.key in EDITABLE else _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    french = translation.get_language() == "fr"
    for item in progress_items(user).iterator(chunk_size=2000):
        recommendation_title = (
            item.recommendation.title_fr if french else item.recommendation.title_en
        ) or item.recommendation.title_en
        title = (item.title_fr if french else item.title_en) or item.title_en
        sheet.append(
            row_safe(
                [
                    item.reference,
                    recommendation_title,
                    title,
                    item.owner_agency.acronym,
                    item.assignee.username if item.assignee else "",
                    item.due_date,
                    timezone.localtime(item.last_progress_at).replace(tzinfo=None),
                    _status_label(item.status),
                    item.percent_complete,
                    "",
                    item.version,
                    item.pk,
                ]
            )
        )
    workbook.save(output)


@dataclass
class RowOutcome:
    """What one row of an upload does: ``change``, ``refused``, ``conflict`` or ``unchanged``.
    Stored as JSON on the job, so only plain values."""

    row: int
    reference: str
    outcome: str
    item_id: int | None = None
    version: int | None = None
    status: str | None = None
    status_label: str = ""
    percent: int | None = None
    note: str = ""
    messages: list[str] = field(default_factory=list)
    # What is in the tracker now, for a conflict: status, percent, version, who and when.
    now: dict[str, Any] = field(default_factory=dict)
    # Before → after for a change.
    before: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProgressPlan:
    rows: list[RowOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # file-level

    def of(self, outcome: str) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome == outcome]

    def counts(self) -> dict[str, int]:
        counts = {"change": 0, "refused": 0, "conflict": 0, "unchanged": 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts


def _sheet(book: Book) -> Any:
    sheet = book.sheet(*SHEET_NAMES)
    if sheet is None:
        visible = [s for s in book.sheets if not s.hidden]
        sheet = visible[0] if visible else None
    return sheet


def _parse(book: Book, plan: ProgressPlan) -> list[tuple[RowOutcome, str, int]]:
    """Rows with a reference and something to say; returns (outcome, code, sequence)."""
    sheet = _sheet(book)
    if sheet is None:
        plan.problems.append(_("The workbook has no sheet of items."))
        return []
    rows, _unknown = rows_as_dicts(sheet, {c.key: c.aliases for c in COLUMNS})
    if rows:
        header_keys = {
            key
            for key in (c.key for c in COLUMNS)
            if any(cells[key].value is not None for _n, cells in rows)
        }
        if "reference" not in header_keys or "version" not in header_keys:
            plan.problems.append(
                _(
                    "This is not a progress workbook downloaded from the tracker: the "
                    "“Reference” and hidden “version” columns are missing."
                )
            )
            return []
    status_names = values.choice_labels(Status)
    parsed: list[tuple[RowOutcome, str, int]] = []
    for number, cells in rows:
        reference = values.text(cells["reference"]) if not cells["reference"].formula else ""
        outcome = RowOutcome(row=number, reference=reference, outcome="change")
        match = _REFERENCE.match(reference)
        if not match:
            outcome.outcome = "refused"
            outcome.messages.append(
                _("“%(value)s” is not an item reference (CODE.NUMBER).") % {"value": reference}
            )
            plan.rows.append(outcome)
            continue
        for key, reader in (
            ("status", lambda c: values.choice(c, Status, status_names)),
            ("percent", values.whole_number),
            ("note", values.text),
            ("version", values.whole_number),
            ("id", values.whole_number),
        ):
            try:
                value = reader(cells[key])
            except CellError as error:
                outcome.outcome = "refused"
                outcome.messages.append(
                    f"{COLUMNS[[c.key for c in COLUMNS].index(key)].header}: {error}"
                )
                continue
            setattr(outcome, "item_id" if key == "id" else key, value)
        if outcome.status:
            outcome.status_label = _status_label(outcome.status)
        if outcome.version is None and outcome.outcome != "refused":
            outcome.outcome = "refused"
            outcome.messages.append(
                _("The hidden version column is empty: download the file again.")
            )
        parsed.append((outcome, match["code"].strip(), int(match["sequence"])))
    return parsed


def _items_for(parsed: list[tuple[RowOutcome, str, int]]) -> dict[tuple[str, int], ActionItem]:
    """The items the rows name, under their reference: by the hidden id where the row has one
    (indexed, exact), else by reference. A row whose reference does not match its id's item
    finds nothing, and is refused."""
    found: dict[tuple[str, int], ActionItem] = {}
    ids = [row.item_id for row, _code, _sequence in parsed if row.item_id]
    for start in range(0, len(ids), 2000):
        chunk = ActionItem.objects.filter(pk__in=ids[start : start + 2000])
        for item in action_items_with_rule_context(chunk):
            found[(item.recommendation.code, item.sequence)] = item
    by_reference = {(code, sequence) for row, code, sequence in parsed if not row.item_id}
    if by_reference:
        codes = {code for code, _sequence in by_reference}
        sequences = {sequence for _code, sequence in by_reference}
        named = ActionItem.objects.filter(recommendation__code__in=codes, sequence__in=sequences)
        for item in action_items_with_rule_context(named):
            key = (item.recommendation.code, item.sequence)
            if key in by_reference:
                found[key] = item
    return found


def _last_updates(item_ids: Iterable[int]) -> dict[int, ProgressUpdate]:
    """The latest timeline entry of each item (for a conflict: who changed it, and when)."""
    latest: dict[int, ProgressUpdate] = {}
    updates = (
        ProgressUpdate.objects.filter(action_item_id__in=list(item_ids))
        .select_related("author")
        .order_by("action_item_id", "-created_at", "-id")
    )
    for update in updates:
        latest.setdefault(update.action_item_id, update)
    return latest


def _change_kwargs(row: RowOutcome, item: ActionItem) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if row.status is not None and row.status != item.status:
        kwargs["status"] = row.status
    if row.percent is not None and row.percent != item.percent_complete:
        kwargs["percent_complete"] = row.percent
    if row.note:
        kwargs["note"] = row.note
    return kwargs


def _messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error) or _("You may not change this item.")]


def _describe_now(item: ActionItem, last: ProgressUpdate | None) -> dict[str, Any]:
    return {
        "status": item.status,
        "status_label": _status_label(item.status),
        "percent": item.percent_complete,
        "version": item.version,
        "by": (last.author.display_name if last and last.author else ""),
        "at": timezone.localtime(last.created_at).isoformat(timespec="minutes") if last else "",
    }


def progress_preview(book: Book, *, actor: User) -> ProgressPlan:
    """Sort every row into change, refused, conflict or unchanged; write nothing."""
    plan = ProgressPlan()
    parsed = _parse(book, plan)
    if plan.problems:
        return plan
    items = _items_for(parsed)
    conflicted: list[tuple[RowOutcome, ActionItem]] = []
    to_try: list[tuple[RowOutcome, ActionItem, dict[str, Any]]] = []
    seen: set[int] = set()
    for row, code, sequence in parsed:
        plan.rows.append(row)
        item = items.get((code, sequence))
        if row.outcome == "refused":
            continue
        if item is None:
            row.outcome = "refused"
            row.messages.append(
                _("No action item has the reference %(ref)s.") % {"ref": row.reference}
            )
            continue
        row.item_id = item.pk
        if item.pk in seen:
            row.outcome = "refused"
            row.messages.append(_("This item is already on another row of the file."))
            continue
        seen.add(item.pk)
        if row.version != item.version:
            row.outcome = "conflict"
            conflicted.append((row, item))
            continue
        if item.status not in OPEN_STATUSES:
            row.outcome = "refused"
            row.messages.append(
                _("This item is closed (%(status)s).") % {"status": _status_label(item.status)}
            )
            continue
        kwargs = _change_kwargs(row, item)
        if not kwargs:
            row.outcome = "unchanged"
            continue
        row.before = {
            "status": item.status,
            "status_label": _status_label(item.status),
            "percent": item.percent_complete,
        }
        to_try.append((row, item, kwargs))
    last = _last_updates(item.pk for _row, item in conflicted)
    for row, item in conflicted:
        row.now = _describe_now(item, last.get(item.pk))
    # The service's own checks, without writing: the preview refuses what applying would.
    for row, item, kwargs in to_try:
        try:
            services.action_item_change_check(item=item, actor=actor, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            row.outcome = "refused"
            row.messages.extend(_messages(error))
    return plan


@dataclass
class ApplyResult:
    applied: int = 0
    conflicts: list[RowOutcome] = field(default_factory=list)
    refused: list[RowOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "conflicts": [row.as_dict() for row in self.conflicts],
            "refused": [row.as_dict() for row in self.refused],
        }


def progress_apply(
    rows: list[RowOutcome],
    *,
    actor: User,
    on_progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """Apply the rows through ``services.action_items_change_many``, each with the file's
    version: the checks of one change, and its conditional UPDATE, for every row.

    A row whose item changed since (even between the preview and now) is a conflict, not
    applied; one the service refuses is reported with its reason. Chunks of ``CHUNK_ROWS`` rows
    are committed together (a fixed number of queries each) and ``on_progress(rows_done)`` is
    called after each. Once all are written, the changes are announced in one signal, so the
    notifications they record are sent grouped per recipient.
    """
    result = ApplyResult()
    announcements: list[ItemChanged] = []
    done = 0
    for chunk in _chunks(rows, CHUNK_ROWS):
        requests = []
        for row in chunk:
            if row.item_id is None or row.version is None:  # the preview lets none through
                row.outcome = "refused"
                row.messages = [
                    _("This item no longer exists.")
                    if row.item_id is None
                    else _("The hidden version column is empty: download the file again.")
                ]
                result.refused.append(row)
                continue
            requests.append(
                services.ActionItemChangeRequest(
                    item_id=row.item_id,
                    expected_version=row.version,
                    status=row.status if row.status is not None else services.UNSET,
                    percent_complete=row.percent if row.percent is not None else services.UNSET,
                    note=row.note,
                )
            )
        outcome = services.action_items_change_many(requests=requests, actor=actor, notify=False)
        for row in chunk:
            if row.item_id is None or row.version is None:
                continue
            if row.item_id in outcome.applied:
                result.applied += 1
            elif row.item_id in outcome.conflicts:
                row.outcome = "conflict"
                row.now = _describe_now(outcome.conflicts[row.item_id], None)
                result.conflicts.append(row)
            elif row.item_id in outcome.refused:
                row.outcome = "refused"
                row.messages = _messages(outcome.refused[row.item_id])
                result.refused.append(row)
            else:
                row.outcome = "refused"
                row.messages = [_("This item no longer exists.")]
                result.refused.append(row)
        announcements.extend(outcome.announcements)
        done += len(chunk)
        if on_progress is not None:
            on_progress(done)
    services.action_items_announce(announcements)
    return result


def _chunks(rows: list[RowOutcome], size: int) -> Iterator[list[RowOutcome]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def rows_from_json(data: Iterable[dict[str, Any]]) -> list[RowOutcome]:
    return [RowOutcome(**row) for row in data]


def workbook_bytes(user: User) -> bytes:
    output = io.BytesIO()
    progress_workbook(user, output)
    return output.getvalue()
