"""Writes to recommendations and action items. The web UI, the API, the admin, the commands and
the tests all change an item through these functions, so every change obeys the same rules and
leaves the same trace."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, User

from . import policies
from .models import (
    WORKING_STATUSES,
    ActionItem,
    DataVersion,
    ProgressUpdate,
    PublicationChange,
    Recommendation,
    Status,
    Theme,
)
from .selectors import action_items_with_rule_context
from .signals import (
    ItemChanged,
    action_item_changed,
    action_items_changed,
    recommendation_changed,
)

NOTE_MAX_LENGTH = 4000


class Unset(Enum):
    """The default of a field the caller leaves as it is (None is a value: "no assignee")."""

    UNSET = auto()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def status_transition_check(
    *, actor: User | None, item: ActionItem, after: str, via: str, reason: str
) -> None:
    """Refuse a status change the transition table (``policies.STATUS_TRANSITIONS``) does not
    allow, or allows only through another path, to someone else, or with a reason.

    Every path that changes a status calls this: progress updates, PATCH, the admin, the
    submission and the verification services. ``actor=None`` (an operator's command) skips only
    the question of who may: the table and the reason still apply.
    """
    labels = dict(Status.choices)
    rule = policies.status_transition(item.status, after)
    if after == Status.COMPLETED and item.status in WORKING_STATUSES:
        # Not in the table, but the way there is: say it.
        rule = policies.status_transition(item.status, Status.AWAITING_VERIFICATION)
    if rule is None:
        raise ValidationError(
            {
                "status": _("An item cannot go from “%(before)s” to “%(after)s”.")
                % {
                    "before": labels.get(item.status, item.status),
                    "after": labels.get(after, after),
                }
            }
        )
    if rule.via != via:
        if rule.via == policies.Via.SUBMISSION:
            message = _(
                "To report an item done, submit it for verification with a closing note and "
                "evidence."
            )
        else:
            message = _("Only a verifier's decision moves an item out of “Awaiting verification”.")
        raise ValidationError({"status": message})
    if actor is not None and not rule.may(actor, item):
        if rule.via == policies.Via.CHANGE and rule.needs_reason:
            raise PermissionDenied(policies.refusal_manage_item(item))
        raise PermissionDenied(policies.refusal_record_progress(item))
    if rule.needs_reason and not reason.strip():
        raise ValidationError(
            {"note": _("Say why in the note: cancelling or reopening an item needs a reason.")}
        )


def data_version_bump() -> None:
    """Move the data version on, inside the caller's transaction (see ``DataVersion``).

    Every write that can change a report's figures calls it in the transaction of the write
    (``_versioned_write`` for every change of an item), so the new version becomes visible
    exactly when the change does, and a rollback undoes both. Concurrent writers queue on this
    one row until they commit: writes here are people saving forms, a few a minute, so the wait
    is nothing next to exact cached figures.
    """
    if not DataVersion.objects.filter(pk=1).update(value=F("value") + 1):
        # No row yet (a database emptied since its migration): create it already moved on.
        DataVersion.objects.get_or_create(pk=1, defaults={"value": 1})


# A due date outside this range is a typo (9999-12-31 breaks calendar feeds and reports).
EARLIEST_DUE_DATE = datetime.date(2000, 1, 1)
LATEST_DUE_DATE_YEARS = 25


def latest_due_date(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + LATEST_DUE_DATE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + LATEST_DUE_DATE_YEARS, day=28)


def due_date_problem(due_date: datetime.date) -> str | None:
    """Why ``due_date`` cannot be an item's due date, or None: one rule for every path."""
    latest = latest_due_date()
    if not EARLIEST_DUE_DATE <= due_date <= latest:
        return _("Enter a due date between %(earliest)s and %(latest)s.") % {
            "earliest": EARLIEST_DUE_DATE.isoformat(),
            "latest": latest.isoformat(),
        }
    return None


def past_due_date_problem(
    due_date: datetime.date, *, confirmed: bool, today: datetime.date | None = None
) -> str | None:
    """Why a past ``due_date`` is refused, or None. A new item or a re-date in the past is
    overdue at once (and escalated the same night), so it is refused unless a coordinator
    confirms it explicitly (``confirm_past_due_date``; who may confirm is
    ``policies.can_confirm_past_due_date``)."""
    if confirmed or due_date >= (today or timezone.localdate()):
        return None
    return _(
        "%(date)s is in the past: choose today or a later date. Only a coordinator may set a "
        "past due date, by confirming it explicitly."
    ) % {"date": due_date.isoformat()}


class NothingToRecord(ValidationError):
    """The values sent equal the current ones and there is no note: nothing was written.

    The web form shows the message; the API answers 200 with the unchanged item (an idempotent
    write, as sync clients expect)."""

    def __init__(self) -> None:
        super().__init__(_("Nothing to record: change a value or write a note."))


class DuplicateSubmission(Exception):
    """This form was already sent and recorded (its one-time token was used); nothing was
    written this time."""

    def __init__(self) -> None:
        super().__init__(_("This update was already recorded; it was not recorded a second time."))


def _require_fresh_submission(token: uuid.UUID | None) -> None:
    if token is not None and ProgressUpdate.objects.filter(submission_token=token).exists():
        raise DuplicateSubmission()


class ActionItemConflict(Exception):
    """The item changed since the caller read it; nothing was written."""

    def __init__(self, current: ActionItem) -> None:
        super().__init__(_("This item was changed by someone else since you opened it."))
        self.current = current


@dataclass(frozen=True)
class ActionItemChange:
    item: ActionItem
    update: ProgressUpdate
    changed_fields: frozenset[str]


def _assignee_refusal(assignee: User, owner_agency_id: int) -> str:
    agency = Agency.objects.get(pk=owner_agency_id)
    return _("%(user)s is not an active member of %(agency)s.") % {
        "user": assignee.username,
        "agency": agency.local_acronym,
    }


def _validate_change(
    *,
    item: ActionItem,
    status: str | Unset,
    percent_complete: int | Unset,
    due_date: datetime.date | Unset,
    assignee: User | Unset | None,
    note: str,
    confirm_past_due_date: bool,
) -> None:
    errors: dict[str, str] = {}
    if status is not UNSET and status not in Status.values:
        errors["status"] = _("“%(value)s” is not a status. Choose one of: %(choices)s.") % {
            "value": status,
            "choices": ", ".join(Status.values),
        }
    if percent_complete is not UNSET and (
        not isinstance(percent_complete, int)
        or isinstance(percent_complete, bool)
        or not 0 <= percent_complete <= 100
    ):
        errors["percent_complete"] = _("Percent complete must be a whole number from 0 to 100.")
    if due_date is not UNSET:
        if not isinstance(due_date, datetime.date):
            errors["due_date"] = _("Enter a valid date.")
        elif due_date != item.due_date:
            message = due_date_problem(due_date) or past_due_date_problem(
                due_date, confirmed=confirm_past_due_date
            )
            if message:
                errors["due_date"] = message
            elif not note:
                # A re-date is a promise broken or renegotiated: the timeline must say why.
                errors["note"] = _("Give the reason for the new due date.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("A note may have at most %(limit)d characters (it has %(count)d).") % {
            "limit": NOTE_MAX_LENGTH,
            "count": len(note),
        }
    if (
        assignee is not UNSET
        and assignee is not None
        and not policies.can_be_assigned(assignee, item)
    ):
        errors["assignee"] = _assignee_refusal(assignee, item.owner_agency_id)
    if errors:
        raise ValidationError(errors)


def _check_permissions(*, actor: User | None, item: ActionItem, fields: set[str]) -> None:
    if actor is None:  # an operator's command (imports, loaders): no person to check
        return
    policies.require_writable_fields(actor, item, fields)


def _timeline_entry(
    *,
    item: ActionItem,
    actor: User | None,
    values: dict[str, Any],
    now: datetime.datetime,
    note: str,
    submission_token: uuid.UUID | None = None,
) -> ProgressUpdate:
    """The (unsaved) timeline entry of writing ``values`` to ``item`` as the caller read it: the
    before/after of status, percent, due date and assignee, and the note."""
    after = {
        name.removesuffix("_id"): value.pk if hasattr(value, "pk") else value
        for name, value in values.items()
    }
    return ProgressUpdate(
        action_item=item,
        author=actor,
        created_at=now,
        status_before=item.status,
        status_after=after.get("status", item.status),
        percent_before=item.percent_complete,
        percent_after=after.get("percent_complete", item.percent_complete),
        due_date_before=item.due_date,
        due_date_after=after.get("due_date", item.due_date),
        assignee_before_id=item.assignee_id,
        assignee_after_id=after.get("assignee", item.assignee_id),
        note=note,
        submission_token=submission_token,
    )


def _versioned_write(
    *,
    item: ActionItem,
    actor: User | None,
    expected_version: int | None,
    values: dict[str, Any],
    now: datetime.datetime,
    note: str,
    changed_fields: frozenset[str],
    notify: bool,
    submission_token: uuid.UUID | None = None,
) -> ActionItemChange:
    """The one way to write an action item: every service that changes one calls this.

    In one transaction:

    1. ``UPDATE action_item SET <values>, version = version + 1, updated_at = now
       WHERE id = item.pk [AND version = expected_version]``. If no row matches (another writer
       got there first), nothing is written and ``ActionItemConflict`` carries the current item.
       ``expected_version=None`` skips the check (loaders and operator commands only).
    2. A ``ProgressUpdate`` row with the before/after of status, percent, due date and assignee
       (taken from ``item`` as the caller read it and ``values``) and ``note``: the timeline entry.
    3. ``item`` is refreshed from the database, and, if ``notify``, ``action_item_changed`` is
       sent once the transaction commits (so nobody is emailed about a rolled-back write).

    ``values`` are model field names (``assignee`` may be given as ``assignee`` or
    ``assignee_id``); validation and permissions are the caller's job, done before this.
    ``submission_token`` (a web form's one-time token) is stored on the ProgressUpdate, whose
    unique constraint makes a second write with it fail: DuplicateSubmission, nothing written.
    """
    row_values: dict[str, Any] = {**values, "version": F("version") + 1, "updated_at": now}
    try:
        with transaction.atomic():
            rows = ActionItem.objects.filter(pk=item.pk)
            if expected_version is not None:
                rows = rows.filter(version=expected_version)
            if rows.update(**row_values) != 1:
                raise ActionItemConflict(
                    ActionItem.objects.select_related(
                        "recommendation", "owner_agency", "assignee"
                    ).get(pk=item.pk)
                )
            update = _timeline_entry(
                item=item,
                actor=actor,
                values=values,
                now=now,
                note=note,
                submission_token=submission_token,
            )
            update.save(force_insert=True)
            # Every cached figure computed before this write becomes unreachable when it commits.
            data_version_bump()
            previous_assignee_id = item.assignee_id
            item.refresh_from_db()
            if notify:
                transaction.on_commit(
                    lambda: action_item_changed.send(
                        sender=ActionItem,
                        action_item_id=item.pk,
                        progress_update_id=update.pk,
                        actor_id=actor.pk if actor else None,
                        changed_fields=changed_fields,
                        previous_assignee_id=previous_assignee_id,
                    )
                )
    except IntegrityError:
        if submission_token is not None:
            _require_fresh_submission(submission_token)  # the same form, sent at the same moment
        raise
    return ActionItemChange(item=item, update=update, changed_fields=changed_fields)


def action_item_change_check(
    *,
    item: ActionItem,
    actor: User | None,
    status: str | Unset = UNSET,
    percent_complete: int | Unset = UNSET,
    due_date: datetime.date | Unset = UNSET,
    assignee: User | Unset | None = UNSET,
    note: str = "",
    confirm_past_due_date: bool = False,
) -> dict[str, Any]:
    """Every rule ``action_item_change`` applies before it writes, writing nothing: the fields
    whose value really changes, or ValidationError / PermissionDenied. A preview (the bulk
    upload's) asks here, so it refuses exactly what the change would refuse."""
    note = (note or "").strip()
    if status == Status.COMPLETED and status != item.status:
        # Reaches the transition check below, which explains how an item is completed.
        percent_complete = UNSET
    _validate_change(
        item=item,
        status=status,
        percent_complete=percent_complete,
        due_date=due_date,
        assignee=assignee,
        note=note,
        confirm_past_due_date=confirm_past_due_date,
    )
    changes: dict[str, Any] = {}
    if status is not UNSET and status != item.status:
        changes["status"] = status
    if percent_complete is not UNSET and percent_complete != item.percent_complete:
        changes["percent_complete"] = percent_complete
    if due_date is not UNSET and due_date != item.due_date:
        changes["due_date"] = due_date
    if assignee is not UNSET and (assignee.pk if assignee else None) != item.assignee_id:
        changes["assignee"] = assignee
    fields = set(changes) | ({"note"} if note else set())
    if not fields:
        raise NothingToRecord()
    _check_permissions(
        actor=actor,
        item=item,
        fields=fields | ({"confirm_past_due_date"} if confirm_past_due_date else set()),
    )
    if "status" in changes:
        status_transition_check(
            actor=actor, item=item, after=changes["status"], via=policies.Via.CHANGE, reason=note
        )
    elif "percent_complete" in changes and item.status not in WORKING_STATUSES:
        raise ValidationError(
            {
                "percent_complete": _(
                    "The percent of an item that is not being worked on does not change; "
                    "reopen it first."
                )
            }
        )
    if (
        changes.get("status", item.status) == Status.COMPLETED
        and changes.get("percent_complete", item.percent_complete) != 100
    ):
        raise ValidationError({"percent_complete": _("A completed item is 100 percent complete.")})
    return changes


def _progress_values(
    *, item: ActionItem, changes: dict[str, Any], now: datetime.datetime
) -> dict[str, Any]:
    """The columns a progress update writes: the checked ``changes``, the moment of the update,
    and the completion time when the status moves."""
    values: dict[str, Any] = {**changes, "last_progress_at": now}
    if "status" in changes:
        values["completed_at"] = now if changes["status"] == Status.COMPLETED else None
    return values


def _changed_fields(changes: dict[str, Any], note: str) -> frozenset[str]:
    return frozenset(set(changes) | ({"note"} if note else set()))


def action_item_change(
    *,
    item: ActionItem,
    actor: User | None,
    expected_version: int | None,
    status: str | Unset = UNSET,
    percent_complete: int | Unset = UNSET,
    due_date: datetime.date | Unset = UNSET,
    assignee: User | Unset | None = UNSET,
    note: str = "",
    at: datetime.datetime | None = None,
    notify: bool = True,
    confirm_past_due_date: bool = False,
    submission_token: uuid.UUID | None = None,
) -> ActionItemChange:
    """Change an action item and record the change on its timeline, in one transaction.

    1. Keep only the fields whose value really changes, check the actor may change them, and
       validate them (``action_item_change_check``: ValidationError with a message per field;
       PermissionDenied).
    2. Write them with one conditional ``UPDATE ... WHERE version = expected_version``: if another
       writer got there first, nothing is written and ActionItemConflict carries the current item.
       ``expected_version=None`` skips that check (loaders and operator commands only).
    3. Record the ProgressUpdate and, once the transaction commits, send ``action_item_changed``.

    A due date in the past is refused unless ``confirm_past_due_date`` (coordinators only).
    Completing an item sets it to 100 percent. ``notify=False`` (back-dated demo history) sends
    no signal, so nobody is emailed about the past. ``submission_token`` (the web form's one-time
    token) makes a form sent twice raise DuplicateSubmission the second time, writing nothing.
    """
    _require_fresh_submission(submission_token)
    note = (note or "").strip()
    now = at or timezone.now()
    changes = action_item_change_check(
        item=item,
        actor=actor,
        status=status,
        percent_complete=percent_complete,
        due_date=due_date,
        assignee=assignee,
        note=note,
        confirm_past_due_date=confirm_past_due_date,
    )
    return _versioned_write(
        item=item,
        actor=actor,
        expected_version=expected_version,
        values=_progress_values(item=item, changes=changes, now=now),
        now=now,
        note=note,
        changed_fields=_changed_fields(changes, note),
        notify=notify,
        submission_token=submission_token,
    )


@dataclass(frozen=True)
class ActionItemChangeRequest:
    """One item's progress update in a batch: the item, the version the person read, and what
    ``action_item_change`` would take for a progress update (status, percent, note)."""

    item_id: int
    expected_version: int
    status: str | Unset = UNSET
    percent_complete: int | Unset = UNSET
    note: str = ""


@dataclass
class ActionItemsChange:
    """What ``action_items_change_many`` did, by item id: each request is in exactly one of
    ``applied``, ``conflicts`` (the item as it is now), ``refused`` (the rule's error, as
    ``action_item_change`` raises it) and ``missing`` (no such item)."""

    applied: dict[int, ActionItemChange] = field(default_factory=dict)
    conflicts: dict[int, ActionItem] = field(default_factory=dict)
    refused: dict[int, ValidationError | PermissionDenied] = field(default_factory=dict)
    missing: set[int] = field(default_factory=set)
    # The news of the applied changes, for ``action_items_announce`` when ``notify=False``.
    announcements: list[ItemChanged] = field(default_factory=list)


def _grouped(values: dict[int, Any]) -> dict[Any, list[int]]:
    """The item ids of each distinct value (an import sets a few percents on many items)."""
    ids: dict[Any, list[int]] = {}
    for pk, value in values.items():
        ids.setdefault(value, []).append(pk)
    return ids


def _by_item(values: dict[int, Any], name: str) -> Any:
    """One column's new values (by item id) as one SQL expression: the value itself when every
    row takes the same, else a CASE with one branch per distinct value."""
    ids = _grouped(values)
    if len(ids) == 1:
        return next(iter(ids))
    output_field = ActionItem._meta.get_field(name)
    return Case(
        *[
            When(pk__in=pks, then=Value(value, output_field=output_field))  # type: ignore[arg-type]
            for value, pks in ids.items()
        ],
        default=F(name),
    )


@dataclass(frozen=True)
class _Planned:
    """One item ``action_items_change_many`` will write: checked, at the version requested."""

    item: ActionItem
    expected_version: int
    values: dict[str, Any]
    note: str
    changed_fields: frozenset[str]


def action_items_change_many(
    *,
    requests: Sequence[ActionItemChangeRequest],
    actor: User | None,
    notify: bool = True,
) -> ActionItemsChange:
    """Record progress updates on many items in one transaction, each exactly as
    ``action_item_change`` would, in a fixed number of queries whatever their number.

    1. Load and lock the items (``SELECT ... FOR UPDATE``, in id order), with what the rules
       read; the actor's roles are read once (memoised on the user).
    2. For each request, in order, the same checks as one change (``action_item_change_check``:
       values, permissions, the status-transition table); a refused request is kept with its
       error. Then its version: an item that moved since the person read it is a conflict, not
       written (a second request for an item already changed in this batch is one too).
    3. One conditional ``UPDATE ... SET <values by id>, version = version + 1 WHERE (id = ...
       AND version = ...) OR ...`` for the rest. The rows are locked since step 1, so it changes
       every one of them; anything else is an error and rolls the batch back.
    4. The timeline entries in one INSERT, the data version moved once, and, if ``notify``,
       ``action_items_changed`` sent once after commit with every change, so the listeners group
       the emails per recipient. With ``notify=False`` the caller announces them later
       (``action_items_announce``), e.g. once after several batches.
    """
    now = timezone.now()
    result = ActionItemsChange()
    planned: dict[int, _Planned] = {}  # by item id, in the order of the requests
    with transaction.atomic():
        locked = (
            ActionItem.objects.select_for_update(of=("self",))
            .filter(pk__in=[request.item_id for request in requests])
            .order_by("pk")
        )
        items = {item.pk: item for item in action_items_with_rule_context(locked)}
        for request in requests:
            item = items.get(request.item_id)
            if item is None:
                result.missing.add(request.item_id)
                continue
            note = (request.note or "").strip()
            try:
                changes = action_item_change_check(
                    item=item,
                    actor=actor,
                    status=request.status,
                    percent_complete=request.percent_complete,
                    note=note,
                )
            except (ValidationError, PermissionDenied) as error:
                result.refused[item.pk] = error
                continue
            if item.version != request.expected_version or item.pk in planned:
                result.conflicts[item.pk] = item
                continue
            planned[item.pk] = _Planned(
                item=item,
                expected_version=request.expected_version,
                values=_progress_values(item=item, changes=changes, now=now),
                note=note,
                changed_fields=_changed_fields(changes, note),
            )
        if not planned:
            return result
        columns: dict[str, dict[int, Any]] = {}
        for pk, plan in planned.items():
            for name, value in plan.values.items():
                columns.setdefault(name, {})[pk] = value
        # WHERE (version = 3 AND id IN (...)) OR (version = 4 AND id IN (...)) ...: each row at
        # the version its request was read at, grouped by version (an upload has a few).
        expected = _grouped({pk: plan.expected_version for pk, plan in planned.items()})
        rows = ActionItem.objects.filter(
            Q(
                *[Q(version=version, pk__in=pks) for version, pks in expected.items()],
                _connector=Q.OR,
            )
        )
        written = rows.update(
            **{name: _by_item(values, name) for name, values in columns.items()},
            version=F("version") + 1,
            updated_at=now,
        )
        if written != len(planned):  # the rows are locked: only a bug gets here
            raise RuntimeError(f"{written} of {len(planned)} locked action items were written")
        # One INSERT. Unlike ``save()`` it sends no post_save and does not move ``born_at``,
        # which only a back-dated update does (these are dated now).
        updates = ProgressUpdate.objects.bulk_create(
            [
                _timeline_entry(
                    item=plan.item, actor=actor, values=plan.values, now=now, note=plan.note
                )
                for plan in planned.values()
            ]
        )
        # Once, and last: a single change also locks its item before the data version's row.
        data_version_bump()
        for plan, update in zip(planned.values(), updates, strict=True):
            item = plan.item
            previous_assignee_id = item.assignee_id
            # The row as the UPDATE left it (locked: nothing else changed it), without reading it.
            for name, value in plan.values.items():
                setattr(item, name, value)
            item.version += 1
            item.updated_at = now
            result.applied[item.pk] = ActionItemChange(
                item=item, update=update, changed_fields=plan.changed_fields
            )
            result.announcements.append(
                ItemChanged(
                    action_item_id=item.pk,
                    progress_update_id=update.pk,
                    actor_id=actor.pk if actor else None,
                    changed_fields=plan.changed_fields,
                    previous_assignee_id=previous_assignee_id,
                )
            )
        if notify:
            action_items_announce(result.announcements)
    return result


def action_items_announce(changes: list[ItemChanged]) -> None:
    """Send ``action_items_changed`` with ``changes`` once the current transaction commits (at
    once outside one): committed changes only, all in one signal."""
    if not changes:
        return

    def send() -> None:
        action_items_changed.send(sender=ActionItem, changes=list(changes))

    transaction.on_commit(send)


def validate_new_action_item(
    *,
    owner_agency_id: int,
    due_date: datetime.date | None,
    assignee: User | None,
    confirm_past_due_date: bool = False,
) -> None:
    """The rules a new item obeys beyond its model's (ValidationError per field). The admin's
    add form calls this to show the errors on its fields; ``action_item_create`` calls it too."""
    errors: dict[str, str] = {}
    problem = (
        due_date_problem(due_date)
        or past_due_date_problem(due_date, confirmed=confirm_past_due_date)
        if isinstance(due_date, datetime.date)
        else None
    )
    if problem:
        errors["due_date"] = problem
    if assignee is not None and not policies.can_be_assigned(
        assignee, ActionItem(owner_agency_id=owner_agency_id)
    ):
        errors["assignee"] = _assignee_refusal(assignee, owner_agency_id)
    if errors:
        raise ValidationError(errors)


def action_item_create(
    *,
    recommendation: Recommendation,
    actor: User | None,
    title_en: str,
    title_fr: str,
    owner_agency_id: int,
    due_date: datetime.date,
    description_en: str = "",
    description_fr: str = "",
    assignee: User | None = None,
    sequence: int | None = None,
    confirm_past_due_date: bool = False,
) -> ActionItem:
    """Add an action item to a recommendation, numbered after its last one, and record its
    creation as the first entry of its timeline (``ProgressUpdate.is_creation``).

    A past due date needs ``confirm_past_due_date``: a coordinator's, or the loaders'
    (``actor=None``, the system loading history)."""
    if actor is not None:
        policies.require_add_action_item(actor, recommendation)
        if confirm_past_due_date:
            policies.require_confirm_past_due_date(actor)
    validate_new_action_item(
        owner_agency_id=owner_agency_id,
        due_date=due_date,
        assignee=assignee,
        confirm_past_due_date=confirm_past_due_date,
    )
    with transaction.atomic():
        if sequence is None:
            last = recommendation.action_items.aggregate(last=Max("sequence"))["last"]
            sequence = (last or 0) + 1
        item = ActionItem(
            recommendation=recommendation,
            sequence=sequence,
            title_en=title_en,
            title_fr=title_fr,
            description_en=description_en,
            description_fr=description_fr,
            owner_agency_id=owner_agency_id,
            assignee=assignee,
            due_date=due_date,
            original_due_date=due_date,
        )
        item.full_clean()
        item.save()
        # The first entry of the timeline, in the same transaction: who created it, when, and
        # what it started as. Creation is version 1 and sends what it always sent (no
        # ``action_item_changed``), so nobody is emailed about it.
        ProgressUpdate.creation_of(item, author=actor, at=item.created_at).save()
        data_version_bump()
        _announce_recommendation_changed(recommendation.pk)
    return item


# Coordinators: create and edit recommendations and the definition of action items -------------


class RecommendationConflict(Exception):
    """The recommendation changed since the caller read it; nothing was written."""

    def __init__(self, current: Recommendation) -> None:
        super().__init__(_("This recommendation was changed by someone else since you opened it."))
        self.current = current


def _normalise_space(text: str) -> str:
    return " ".join(text.split())


def recommendation_validate(
    *, recommendation: Recommendation, supporting_agencies: Iterable[Agency]
) -> None:
    """Model validation plus the rules that span fields, with one message per field: what
    ``recommendation_create`` and ``recommendation_update`` check before writing. Forms that show
    the rules on their fields (the admin) call it on their unsaved candidate first."""
    errors: dict[str, list[str]] = {}
    try:
        recommendation.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if any(agency.pk == recommendation.lead_agency_id for agency in supporting_agencies):
        errors.setdefault("supporting_agencies", []).append(
            _("The lead agency cannot also be a supporting agency.")
        )
    source = recommendation.source if recommendation.source_id else None
    passage = _normalise_space(recommendation.source_passage)
    # The passage is what the recommendation rests on: it must be quoted, not paraphrased.
    if source is not None and source.text and passage not in _normalise_space(source.text):
        errors.setdefault("source_passage", []).append(
            _("This passage is not found word for word in “%(source)s”.") % {"source": source.title}
        )
    if errors:
        raise ValidationError(errors)


def recommendation_create(
    *,
    actor: User | None,
    code: str,
    theme: Theme,
    title_en: str,
    title_fr: str,
    source_passage: str,
    priority: str,
    lead_agency: Agency,
    supporting_agencies: Iterable[Agency] = (),
    description_en: str = "",
    description_fr: str = "",
    target_date: datetime.date | None = None,
) -> Recommendation:
    """Create a recommendation under ``theme`` (its source is the theme's source)."""
    if actor is not None:  # None: an operator's command (imports, loaders)
        policies.require_create_recommendation(actor)
    supporting = list(supporting_agencies)
    recommendation = Recommendation(
        code=code.strip(),
        source_id=theme.source_id,
        theme=theme,
        title_en=title_en.strip(),
        title_fr=title_fr.strip(),
        description_en=description_en.strip(),
        description_fr=description_fr.strip(),
        source_passage=source_passage.strip(),
        priority=priority,
        lead_agency=lead_agency,
        target_date=target_date,
    )
    recommendation_validate(recommendation=recommendation, supporting_agencies=supporting)
    with transaction.atomic():
        recommendation.save()
        recommendation.supporting_agencies.set(supporting)
        data_version_bump()
    return recommendation


def recommendation_update(
    *,
    recommendation: Recommendation,
    actor: User | None,
    expected_updated_at: datetime.datetime | None,
    code: str,
    theme: Theme,
    title_en: str,
    title_fr: str,
    source_passage: str,
    priority: str,
    lead_agency: Agency,
    supporting_agencies: Iterable[Agency],
    description_en: str = "",
    description_fr: str = "",
    target_date: datetime.date | None = None,
) -> Recommendation:
    """Replace the definition of a recommendation, unless someone changed it meanwhile.

    ``updated_at`` serves as the version: the write is one ``UPDATE ... WHERE updated_at =
    expected_updated_at``, so a form opened before another save raises RecommendationConflict
    and writes nothing. ``expected_updated_at=None`` skips that check (commands only).
    """
    if actor is not None:
        policies.require_edit_recommendation(actor, recommendation)
    supporting = list(supporting_agencies)
    values: dict[str, Any] = {
        "code": code.strip(),
        "source_id": theme.source_id,
        "theme_id": theme.pk,
        "title_en": title_en.strip(),
        "title_fr": title_fr.strip(),
        "description_en": description_en.strip(),
        "description_fr": description_fr.strip(),
        "source_passage": source_passage.strip(),
        "priority": priority,
        "lead_agency_id": lead_agency.pk,
        "target_date": target_date,
    }
    candidate = Recommendation(pk=recommendation.pk, **values)
    candidate._state.adding = False  # an existing row: uniqueness excludes itself
    recommendation_validate(recommendation=candidate, supporting_agencies=supporting)
    with transaction.atomic():
        rows = Recommendation.objects.filter(pk=recommendation.pk)
        if expected_updated_at is not None:
            rows = rows.filter(updated_at=expected_updated_at)
        if rows.update(**values, updated_at=timezone.now()) != 1:
            raise RecommendationConflict(
                Recommendation.objects.select_related("theme", "lead_agency").get(
                    pk=recommendation.pk
                )
            )
        recommendation.refresh_from_db()
        recommendation.supporting_agencies.set(supporting)
        data_version_bump()
        _announce_recommendation_changed(recommendation.pk)
    return recommendation


def action_item_update_definition(
    *,
    item: ActionItem,
    actor: User | None,
    expected_version: int | None,
    title_en: str,
    title_fr: str,
    owner_agency: Agency,
    description_en: str = "",
    description_fr: str = "",
) -> ActionItemChange:
    """Edit what an action item is (titles, descriptions, owner agency), leaving a timeline entry.

    Workflow fields (status, percent, due date) stay as they are. When the owner agency changes
    and the assignee is not a member of the new owner, the item is unassigned in the same write,
    and the timeline entry says so. Same version check as ``action_item_change``.
    """
    if actor is not None:
        policies.require_edit_item_definition(actor, item)
    values: dict[str, Any] = {
        "title_en": title_en.strip(),
        "title_fr": title_fr.strip(),
        "description_en": description_en.strip(),
        "description_fr": description_fr.strip(),
        "owner_agency_id": owner_agency.pk,
    }
    changes = {name: value for name, value in values.items() if getattr(item, name) != value}
    errors: dict[str, str] = {}
    for name in ("title_en", "title_fr"):
        limit = getattr(ActionItem._meta.get_field(name), "max_length", None) or 0
        if not values[name]:
            errors[name] = _("This field is required.")
        elif len(values[name]) > limit:
            errors[name] = _("A title may have at most %(limit)d characters.") % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    if not changes:
        raise ValidationError(_("Nothing to save: nothing was changed."))

    if "owner_agency_id" in changes and item.assignee is not None:
        # An item is assigned only to a member of its owner agency (policies.can_be_assigned).
        moved = ActionItem(owner_agency_id=owner_agency.pk)
        if not policies.can_be_assigned(item.assignee, moved):
            changes["assignee_id"] = None

    labels = {
        "title_en": _("title (English)"),
        "title_fr": _("title (French)"),
        "description_en": _("description (English)"),
        "description_fr": _("description (French)"),
    }
    described = [str(labels[name]) for name in labels if name in changes]
    if "owner_agency_id" in changes:
        described.append(
            _("owner agency (%(before)s → %(after)s)")
            % {"before": item.owner_agency.acronym, "after": owner_agency.acronym}
        )
    note = _("Definition edited: %(changes)s.") % {"changes": ", ".join(described)}
    if "assignee_id" in changes:
        note += " " + _("Unassigned, because the assignee is not a member of %(agency)s.") % {
            "agency": owner_agency.acronym
        }

    changed = frozenset(name.removesuffix("_id") for name in changes)
    result = _versioned_write(
        item=item,
        actor=actor,
        expected_version=expected_version,
        values=changes,
        now=timezone.now(),
        note=note,
        changed_fields=changed,
        # Definition edits notify nobody (as before): they change no one's work or dates.
        notify=False,
    )
    # The public pages show titles and owners: their cache drops once this is committed.
    _announce_recommendation_changed(item.recommendation_id)
    return result


# Publication on the public progress page ----------------------------------------------------


def _announce_recommendation_changed(recommendation_id: int) -> None:
    """Tell listeners (the public pages' cache) once the current transaction commits."""

    def send() -> None:
        recommendation_changed.send(sender=Recommendation, recommendation_id=recommendation_id)

    transaction.on_commit(send, robust=True)


PUBLICATION_REASON_MAX_LENGTH = 1000


def recommendation_set_published(
    *,
    recommendation: Recommendation,
    actor: User,
    published: bool,
    reason: str = "",
) -> PublicationChange | None:
    """Publish or unpublish a recommendation on the public progress page (coordinators only).

    Unpublishing needs a reason; both are recorded on the publication timeline. Asking for the
    state it already has changes nothing and returns None. The public cache is dropped when the
    transaction commits.
    """
    policies.check_publish(actor, recommendation)
    reason = (reason or "").strip()
    if not published and not reason:
        raise ValidationError({"reason": _("Say why this recommendation is unpublished.")})
    if len(reason) > PUBLICATION_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("A reason may have at most %(limit)d characters.")
                % {"limit": PUBLICATION_REASON_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        # The conditional UPDATE is the claim: two coordinators publishing at once write one entry.
        rows = Recommendation.objects.filter(pk=recommendation.pk).exclude(published=published)
        if rows.update(published=published, updated_at=timezone.now()) != 1:
            recommendation.refresh_from_db()
            return None
        change = PublicationChange.objects.create(
            recommendation=recommendation, actor=actor, published=published, reason=reason
        )
        recommendation.refresh_from_db()
        _announce_recommendation_changed(recommendation.pk)
    return change
