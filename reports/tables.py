"""The report as tables: one definition of every table's columns and rows, rendered by the page
and written by the CSV and Excel exports, so that an export holds exactly what the page shows.

Values are rounded here (percentages and means to one decimal), once, for every output.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from recommendations.links import item_address
from recommendations.models import ActionItem, Status

from .selectors import ReportSummary, SlippageBand, StatusTally, one_decimal


class Kind(StrEnum):
    TEXT = "text"
    # (short, long): an acronym and the name it stands for; two columns in the exports.
    ABBREVIATION = "abbreviation"
    # (text, address): a reference that links to its item on the page; the text in the exports.
    LINK = "link"
    COUNT = "count"
    # (count, percent of the row's group): one cell on the page, two columns in the exports.
    COUNT_SHARE = "count_share"
    PERCENT = "percent"
    DECIMAL = "decimal"
    DATE = "date"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT
    # The second column's header in the exports, for ABBREVIATION and COUNT_SHARE.
    second_label: str = ""

    @property
    def is_numeric(self) -> bool:
        return self.kind not in (Kind.TEXT, Kind.ABBREVIATION, Kind.LINK, Kind.DATE, Kind.MONTH)

    def export_labels(self) -> list[str]:
        if self.kind in (Kind.ABBREVIATION, Kind.COUNT_SHARE):
            return [self.label, self.second_label]
        return [self.label]


@dataclass(frozen=True)
class ReportTable:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    # Said under the title: what the rows are (e.g. the first 50 of 1,234).
    note: str = ""
    # Short name for an Excel sheet (at most 31 characters).
    sheet_name: str = ""

    def export_header(self) -> list[str]:
        return [label for column in self.columns for label in column.export_labels()]

    def export_rows(self, rows: Iterable[list[Any]] | None = None) -> Iterator[list[Any]]:
        """Rows (the table's own by default) as the exports write them: pairs split in two."""
        for row in self.rows if rows is None else rows:
            cells: list[Any] = []
            for column, value in zip(self.columns, row, strict=True):
                if column.kind in (Kind.ABBREVIATION, Kind.COUNT_SHARE):
                    cells.extend(value)
                elif column.kind is Kind.LINK:
                    cells.append(value[0])
                else:
                    cells.append(value)
            yield cells


@dataclass(frozen=True)
class ReportDocument:
    """The whole report: a title, what it covers, and its tables in page order."""

    title: str
    generated_at: datetime.datetime
    scope: str
    applied_filters: list[tuple[str, str]]
    history_period: str
    tables: list[ReportTable] = field(default_factory=list)

    def table(self, key: str) -> ReportTable:
        return next(table for table in self.tables if table.key == key)

    def metadata(self) -> list[tuple[str, str]]:
        """(label, value) lines that head the printout and the exports."""
        lines = [
            (_("Generated"), timezone.localtime(self.generated_at).strftime("%Y-%m-%d %H:%M")),
            (_("Scope"), self.scope),
        ]
        if self.applied_filters:
            lines.extend(self.applied_filters)
        else:
            lines.append((_("Filters"), _("None: every item in scope")))
        lines.append((_("History"), self.history_period))
        return lines


def _count_share(count: int, tally: StatusTally) -> tuple[int, float | None]:
    return (count, one_decimal(tally.share(count)))


def _status_columns() -> list[Column]:
    return [
        Column(str(label), Kind.COUNT_SHARE, _("%(status)s (%%)") % {"status": label})
        for label in Status.labels
    ]


def _tally_columns(*, slippage: bool = False) -> list[Column]:
    """Items, each status, overdue, stale, (slippage,) progress: counts with their share."""
    return [
        Column(_("Items"), Kind.COUNT_SHARE, _("Share of all items (%)")),
        *_status_columns(),
        Column(_("Overdue"), Kind.COUNT_SHARE, _("Overdue (%)")),
        Column(_("Stale"), Kind.COUNT_SHARE, _("Stale (%)")),
        *(
            [
                Column(_("Slipped"), Kind.COUNT_SHARE, _("Slipped (%)")),
                Column(_("Mean slippage (days)"), Kind.DECIMAL),
            ]
            if slippage
            else []
        ),
        Column(_("Progress (%)"), Kind.PERCENT),
    ]


def _tally_cells(
    tally: StatusTally, share_of_all: float | None, *, slippage: bool = False
) -> list[Any]:
    return [
        (tally.total, one_decimal(share_of_all)),
        *(_count_share(tally.count(status), tally) for status in Status.values),
        _count_share(tally.overdue, tally),
        _count_share(tally.stale, tally),
        *(
            [_count_share(tally.slipped, tally), one_decimal(tally.mean_slip_days)]
            if slippage
            else []
        ),
        one_decimal(tally.progress),
    ]


def _band_label(band: SlippageBand) -> str:
    if band.highest is not None and band.highest < 0:
        return _("Brought forward (due earlier than first planned)")
    if band.lowest == 0 and band.highest == 0:
        return _("Not re-dated (due on the first planned date)")
    if band.highest is None:
        return _("More than %(days)d days late") % {"days": (band.lowest or 1) - 1}
    return _("%(lowest)d to %(highest)d days late") % {
        "lowest": band.lowest,
        "highest": band.highest,
    }


class ItemCells:
    """The cells of the item lists, with what every row shares computed once per document: the
    item address's prefix (one ``reverse()``, not one per row), the status labels and "Nobody"
    (one translation each, not one per row). The exports list every overdue, stale and slipped
    item, tens of thousands of rows at the brief's scale, where these were most of the time."""

    def __init__(self) -> None:
        self._address = item_address()
        self.status_labels = {value: str(label) for value, label in Status.choices}
        self.nobody = pgettext("assignee", "Nobody")

    def item(self, item: ActionItem) -> list[Any]:
        return [
            (item.reference, self._address(item.pk)),
            item.title,
            (item.owner_agency.local_acronym, item.owner_agency.name),
        ]

    def follow_up(self, item: ActionItem, since: datetime.date, today: datetime.date) -> list[Any]:
        return [
            *self.item(item),
            item.assignee.display_name if item.assignee else self.nobody,
            self.status_labels.get(item.status, item.status),
            since,
            (today - since).days,
        ]


def item_columns() -> list[Column]:
    return [
        Column(_("Reference"), Kind.LINK),
        Column(_("Action item")),
        Column(_("Owner agency"), Kind.ABBREVIATION, _("Owner agency (name)")),
    ]


def _count_columns(label: str) -> list[Column]:
    """A label, how many items, and their share of all the items."""
    return [
        Column(label),
        Column(_("Items"), Kind.COUNT),
        Column(_("Share of items (%)"), Kind.PERCENT),
    ]


def _follow_up_columns(date_label: str, days_label: str) -> list[Column]:
    """An item to chase: who has it, where it stands, the date that matters and how long ago."""
    return [
        *item_columns(),
        Column(_("Assignee")),
        Column(_("Status")),
        Column(date_label, Kind.DATE),
        Column(days_label, Kind.COUNT),
    ]


def _list_note(shown: int, total: int, complete: str) -> str:
    """Says when a list shows only its first rows; otherwise ``complete`` (how many in all)."""
    if total > shown:
        return _("The first %(shown)d of %(total)d, oldest first.") % {
            "shown": shown,
            "total": total,
        }
    return complete


def report_scope_text(summary: ReportSummary) -> str:
    """What the report counts, said plainly: a person's report covers more than the items their
    agency owns (the items of the recommendations it leads or supports too)."""
    if summary.scope is None:
        return _("Every action item, of every agency.")
    agencies = ", ".join(agency.local_acronym for agency in summary.scope)
    if not agencies:
        return _("None")
    return _(
        "Action items owned by %(agencies)s, and every action item of the recommendations "
        "%(agencies)s lead or support (whichever agency owns it)."
    ) % {"agencies": agencies}


@dataclass(frozen=True)
class AttentionRow:
    """A count that needs someone to act, and where the list of those items is."""

    key: str
    label: str
    count: int
    url: str


def needs_attention(summary: ReportSummary, *, my_work_query: str | None) -> list[AttentionRow]:
    """The short list that heads the report. ``my_work_query`` is My work's address for exactly
    the report's items (None when My work cannot show the same set: the links then go to the
    report's own complete lists below)."""

    def target(my_work: str, anchor: str) -> str:
        if my_work_query is None:
            return f"#{anchor}"
        return f"{reverse('home')}?{my_work_query}&{my_work}"

    totals = summary.totals
    rows = [
        AttentionRow("overdue", _("Overdue"), totals.overdue, target("overdue=on", "overdue")),
        AttentionRow(
            "blocked",
            str(Status.BLOCKED.label),
            totals.count(Status.BLOCKED),
            target(f"status={Status.BLOCKED}", "summary"),
        ),
        AttentionRow(
            "stale",
            _("Stale (no progress for %(days)d days)") % {"days": settings.REMINDER_STALE_DAYS},
            totals.stale,
            target("stale=on", "stale"),
        ),
        AttentionRow(
            "slipped",
            _("Slipped (due later than first planned)"),
            totals.slipped,
            "#slippage",
        ),
    ]
    # Decisions waiting for a person (verifications, extension requests), linking to the queues.
    from .accountability_tables import accountability_attention

    return rows + accountability_attention(summary)


# The item lists of the report: the page shows their first rows, the exports every row.
ITEM_LISTS = ("most_slipped", "overdue", "stale")


def list_rows(
    key: str, items: Iterable[ActionItem], cells: "ItemCells", today: datetime.date
) -> list[list[Any]]:
    """The rows of the item list ``key`` (one of ITEM_LISTS) for ``items``."""
    if key == "most_slipped":
        return [
            [
                *cells.item(item),
                cells.status_labels.get(item.status, item.status),
                item.original_due_date,
                item.due_date,
                (item.due_date - item.original_due_date).days,
            ]
            for item in items
        ]
    if key == "overdue":
        return [cells.follow_up(item, item.due_date, today) for item in items]
    return [
        cells.follow_up(item, timezone.localdate(item.last_progress_at), today) for item in items
    ]


def report_document(
    summary: ReportSummary,
    *,
    applied_filters: list[tuple[str, str]],
    complete_lists: bool = False,
) -> ReportDocument:
    """The report's tables in page order, with headers in the active language.

    ``complete_lists``: the item lists' notes say how many there are in all, whatever the
    summary holds (the CSV export writes every row of them from ``reports.complete_lists``)."""
    from .accountability_tables import accountability_tables

    today = summary.today
    cells = ItemCells()
    totals = summary.totals
    scope = report_scope_text(summary)
    if summary.history_start and summary.history_end:
        history_period = _("%(start)s to %(end)s, by month") % {
            "start": summary.history_start.strftime("%Y-%m"),
            "end": summary.history_end.strftime("%Y-%m"),
        }
    else:
        history_period = _("None")

    key_figures = ReportTable(
        key="key_figures",
        title=_("Key figures"),
        sheet_name=_("Key figures"),
        columns=_count_columns(_("Figure")),
        rows=[
            [_("Action items"), totals.total, one_decimal(100.0) if totals.total else None],
            [pgettext("items", "Open"), totals.open, one_decimal(totals.share(totals.open))],
            [
                pgettext("items", "Completed"),
                totals.count(Status.COMPLETED),
                one_decimal(totals.status_share(Status.COMPLETED)),
            ],
            [_("Overdue"), totals.overdue, one_decimal(totals.share(totals.overdue))],
            [
                _("Stale (no progress for %(days)d days)") % {"days": settings.REMINDER_STALE_DAYS},
                totals.stale,
                one_decimal(totals.share(totals.stale)),
            ],
            [
                _("Slipped (due later than first planned)"),
                totals.slipped,
                one_decimal(totals.share(totals.slipped)),
            ],
        ],
        note=(
            _("Mean progress of the items not cancelled: %(progress)s %%.")
            % {
                "progress": formats.number_format(
                    one_decimal(totals.progress) or 0, 1, use_l10n=True
                )
            }
            if totals.progress is not None
            else ""
        ),
    )
    by_status = ReportTable(
        key="by_status",
        title=_("Items by status"),
        sheet_name=_("By status"),
        columns=_count_columns(_("Status")),
        rows=[
            [str(Status(status).label), count, one_decimal(share)]
            for status, count, share in summary.by_status
        ],
    )
    by_agency = ReportTable(
        key="by_agency",
        title=_("Status by owner agency"),
        sheet_name=_("By agency"),
        columns=[
            Column(_("Owner agency"), Kind.ABBREVIATION, _("Owner agency (name)")),
            *_tally_columns(slippage=True),
        ],
        rows=[
            [
                (row.local_acronym, row.name),
                *_tally_cells(row.tally, row.share_of_all, slippage=True),
            ]
            for row in summary.by_agency
        ],
    )
    by_theme = ReportTable(
        key="by_theme",
        title=_("Progress by theme"),
        sheet_name=_("By theme"),
        columns=[Column(_("Theme")), Column(_("Section")), *_tally_columns()],
        rows=[
            [row.title, row.get_section_display(), *_tally_cells(row.tally, row.share_of_all)]
            for row in summary.by_theme
        ],
    )
    by_recommendation = ReportTable(
        key="by_recommendation",
        title=_("Progress by recommendation"),
        sheet_name=_("By recommendation"),
        columns=[
            Column(_("Code")),
            Column(_("Recommendation")),
            Column(_("Theme")),
            Column(_("Priority")),
            *_tally_columns(),
        ],
        rows=[
            [
                row.code,
                row.title,
                row.theme.title if row.theme else "",
                row.get_priority_display(),
                *_tally_cells(row.tally, row.share_of_all),
            ]
            for row in summary.by_recommendation
        ],
    )
    history = ReportTable(
        key="history",
        title=_("Completion over time"),
        sheet_name=_("Over time"),
        columns=[
            Column(_("Month"), Kind.MONTH),
            Column(_("Completed in the month"), Kind.COUNT),
            Column(_("Open at the end of the month"), Kind.COUNT),
        ],
        rows=[[point.month, point.completed, point.open_at_end] for point in summary.history],
        note=_("The current month counts up to now."),
    )
    slippage = ReportTable(
        key="slippage",
        title=_("Slippage: due date against the first planned date"),
        sheet_name=_("Slippage"),
        columns=_count_columns(_("Slippage")),
        rows=[
            [_band_label(band), band.count, one_decimal(band.share)] for band in summary.slippage
        ],
    )
    most_slipped = ReportTable(
        key="most_slipped",
        title=_("Most slipped items"),
        sheet_name=_("Most slipped"),
        columns=[
            *item_columns(),
            Column(_("Status")),
            Column(_("First planned due date"), Kind.DATE),
            Column(_("Due date"), Kind.DATE),
            Column(_("Slippage (days)"), Kind.COUNT),
        ],
        rows=list_rows("most_slipped", summary.most_slipped.items, cells, today),
        note=(
            _("The %(shown)d most slipped of %(total)d slipped items.")
            % {"shown": len(summary.most_slipped.items), "total": summary.most_slipped.total}
            if summary.most_slipped.is_truncated and not complete_lists
            else ngettext("%(count)d slipped item.", "%(count)d slipped items.", totals.slipped)
            % {"count": totals.slipped}
        ),
    )
    overdue = ReportTable(
        key="overdue",
        title=_("Overdue items"),
        sheet_name=_("Overdue"),
        columns=_follow_up_columns(_("Due date"), _("Days overdue")),
        rows=list_rows("overdue", summary.overdue.items, cells, today),
        note=_list_note(
            summary.overdue.total if complete_lists else len(summary.overdue.items),
            summary.overdue.total,
            ngettext("%(count)d overdue item.", "%(count)d overdue items.", summary.overdue.total)
            % {"count": summary.overdue.total},
        ),
    )
    stale = ReportTable(
        key="stale",
        title=_("Stale items"),
        sheet_name=_("Stale"),
        columns=_follow_up_columns(_("Last progress"), _("Days without progress")),
        rows=list_rows("stale", summary.stale.items, cells, today),
        note=_list_note(
            summary.stale.total if complete_lists else len(summary.stale.items),
            summary.stale.total,
            ngettext("%(count)d stale item.", "%(count)d stale items.", summary.stale.total)
            % {"count": summary.stale.total},
        ),
    )
    return ReportDocument(
        title=_("Progress report"),
        generated_at=summary.generated_at,
        scope=scope,
        applied_filters=applied_filters,
        history_period=history_period,
        tables=[
            key_figures,
            by_status,
            by_agency,
            by_theme,
            by_recommendation,
            history,
            slippage,
            most_slipped,
            overdue,
            stale,
            *accountability_tables(summary),
        ],
    )
