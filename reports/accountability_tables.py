"""The accountability figures (``reports.accountability``) as report tables and "needs attention"
rows, in the active language: the page, the CSV and the Excel workbook write these like every
other table of ``reports.tables``."""

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .accountability import AccountabilityFigures

if TYPE_CHECKING:
    from .selectors import ReportSummary
    from .tables import AttentionRow, ReportTable


def accountability_attention(summary: "ReportSummary") -> list["AttentionRow"]:
    """Decisions waiting for a person, linking to the queues where they are taken."""
    from .tables import AttentionRow

    figures = summary.accountability
    if figures is None:
        return []
    return [
        AttentionRow(
            "awaiting_verification",
            _("Submissions awaiting verification"),
            figures.submissions_waiting,
            reverse("recommendations:verification_queue"),
        ),
        AttentionRow(
            "extension_requests",
            _("Extension requests awaiting a decision"),
            figures.extensions_pending,
            reverse("recommendations:extension_requests") + "?status=pending",
        ),
    ]


def accountability_tables(summary: "ReportSummary") -> list["ReportTable"]:
    from .tables import Column, ItemCells, Kind, ReportTable, item_columns

    figures: AccountabilityFigures | None = summary.accountability
    if figures is None:
        return []
    median = figures.median_days_to_decision
    key = ReportTable(
        key="accountability",
        title=_("Verification and extensions"),
        sheet_name=_("Verification"),
        columns=[Column(_("Figure")), Column(_("Value"), Kind.COUNT)],
        rows=[
            [_("Reported complete (awaiting verification)"), figures.reported_complete],
            [_("Verified complete"), figures.verified_complete],
            [_("Extensions requested"), figures.extensions_requested],
            [_("Extensions approved"), figures.extensions_approved],
            [_("Extensions rejected"), figures.extensions_rejected],
            [_("Extension requests awaiting a decision"), figures.extensions_pending],
            [_("Days granted by approved extensions"), figures.days_granted],
            [_("Items re-dated more than once"), figures.redated_more_than_once],
            [_("Slippage from approved extensions (days)"), figures.slip_days_extensions],
            [_("Items slipped by approved extensions"), figures.slipped_by_extensions],
            [_("Slippage from other changes (days)"), figures.slip_days_other],
            [_("Items re-dated by other changes"), figures.slipped_otherwise],
            [_("Discrepancies with the assessment"), figures.discrepancies],
        ],
        note=_(
            "“Completed” in every other figure of this report means verified complete. "
            "Slippage is split into the days approved extensions added and the rest."
        ),
    )
    decisions = ReportTable(
        key="time_to_decision",
        title=_("Time from submission to decision"),
        sheet_name=_("Time to decision"),
        columns=[
            Column(_("Submissions decided"), Kind.COUNT),
            Column(_("Median days from submission to decision"), Kind.DECIMAL),
            Column(_("Submissions awaiting verification"), Kind.COUNT),
        ],
        rows=[[figures.submissions_decided, median, figures.submissions_waiting]],
    )
    by_agency = ReportTable(
        key="accountability_by_agency",
        title=_("Verification, extensions and discrepancies by owner agency"),
        sheet_name=_("Verification by agency"),
        columns=[
            Column(_("Owner agency")),
            Column(_("Reported complete"), Kind.COUNT),
            Column(_("Verified complete"), Kind.COUNT),
            Column(_("Extensions requested"), Kind.COUNT),
            Column(_("Approved"), Kind.COUNT),
            Column(_("Rejected"), Kind.COUNT),
            Column(_("Awaiting a decision"), Kind.COUNT),
            Column(_("Days granted"), Kind.COUNT),
            Column(_("Discrepancies"), Kind.COUNT),
        ],
        rows=[
            [
                row.local_acronym,
                row.reported_complete,
                row.verified_complete,
                row.extensions_requested,
                row.extensions_approved,
                row.extensions_rejected,
                row.extensions_pending,
                row.days_granted,
                row.discrepancies,
            ]
            for row in figures.by_agency
        ],
    )
    item_cells = ItemCells()
    waiting = ReportTable(
        key="waiting_longest",
        title=_("Submissions waiting longest for verification"),
        sheet_name=_("Waiting for verification"),
        columns=[
            *item_columns(),
            Column(_("Submitted"), Kind.DATE),
            Column(_("Days waiting"), Kind.COUNT),
        ],
        rows=[
            [
                *item_cells.item(entry.item),
                timezone.localtime(entry.submitted_at).date(),
                entry.days_waiting,
            ]
            for entry in figures.waiting_longest
        ],
        note=ngettext(
            "%(count)d submission awaits verification.",
            "%(count)d submissions await verification.",
            figures.submissions_waiting,
        )
        % {"count": figures.submissions_waiting},
    )
    return [key, decisions, by_agency, waiting]
