"""What a quarterly report says, read at the quarter's last moment (``reports.as_of``), and who
may read which report."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.selectors import user_roles
from recommendations.models import ActionItem, ProgressUpdate, Status, creation_condition
from reports.as_of import FiguresAsOf, items_as_of, report_figures_as_of
from reports.selectors import ReportFilters, report_items

from .models import QuarterlyReport
from .quarters import Quarter

# Each list of the document shows at most this many rows; its total is always given.
LIST_LIMIT = 200


@dataclass(frozen=True)
class Headline:
    key: str
    now: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.now is None or self.previous is None:
            return None
        return self.now - self.previous


@dataclass(frozen=True)
class Listing:
    total: int
    rows: list[Any] = field(default_factory=list)

    @property
    def is_truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class QuarterlyContent:
    quarter: Quarter
    agency: Agency | None
    generated_at: datetime.datetime
    figures: FiguresAsOf
    previous: FiguresAsOf
    completed: Listing  # items completed during the quarter and still completed at its end
    overdue_or_blocked: Listing  # at its end, with days overdue
    redated: Listing  # progress updates of the quarter that changed a due date, with the reason
    due_next: Listing  # open at its end and due during the next quarter

    @property
    def headlines(self) -> list[Headline]:
        now, before = self.figures.totals, self.previous.totals
        return [
            Headline("total", now.total, before.total),
            Headline("completed", now.count(Status.COMPLETED), before.count(Status.COMPLETED)),
            Headline("open", now.open, before.open),
            Headline("overdue", now.overdue, before.overdue),
            Headline("blocked", now.count(Status.BLOCKED), before.count(Status.BLOCKED)),
            Headline("progress", now.progress, before.progress),
        ]


def _listing(rows: QuerySet[Any]) -> Listing:
    return Listing(total=rows.count(), rows=list(rows[:LIST_LIMIT]))


def quarterly_content(
    *, quarter: Quarter, agency: Agency | None, now: datetime.datetime | None = None
) -> QuarterlyContent:
    """Every figure and list of one quarterly report. A fixed number of queries."""
    scope = frozenset({agency.pk}) if agency is not None else None
    end = quarter.end
    # Any: the annotations (status_at, due_at...) are not fields the type checker knows.
    at_end: Any = items_as_of(scope=scope, at=end).select_related("recommendation", "owner_agency")

    in_quarter = Q(created_at__gte=quarter.start) & Q(created_at__lt=end)
    completions = ProgressUpdate.objects.filter(
        in_quarter, action_item=OuterRef("pk"), status_after=Status.COMPLETED
    ).exclude(Q(status_before=Status.COMPLETED) | creation_condition())
    completed = (
        at_end.filter(status_at=Status.COMPLETED)
        .filter(Exists(completions))
        .annotate(
            completed_on=Subquery(completions.order_by("-created_at").values("created_at")[:1])
        )
        .order_by("completed_on", "id")
    )
    overdue_or_blocked = at_end.filter(Q(overdue_at=True) | Q(status_at=Status.BLOCKED)).order_by(
        "due_at", "id"
    )
    next_quarter = quarter.next()
    due_next = at_end.filter(
        open_at=True, due_at__gte=next_quarter.first_day, due_at__lte=next_quarter.last_day
    ).order_by("due_at", "id")
    redated = (
        ProgressUpdate.objects.filter(
            in_quarter,
            action_item__in=report_items(scope=scope, filters=ReportFilters()).values("id"),
            due_date_before__isnull=False,
            due_date_after__isnull=False,
        )
        .exclude(due_date_before=F("due_date_after"))
        .select_related("action_item__recommendation", "action_item__owner_agency")
        .order_by("created_at", "id")
    )
    return QuarterlyContent(
        quarter=quarter,
        agency=agency,
        generated_at=now or timezone.now(),
        figures=report_figures_as_of(scope=scope, at=end),
        previous=report_figures_as_of(scope=scope, at=quarter.previous().end),
        completed=_listing(completed),
        overdue_or_blocked=_listing(overdue_or_blocked),
        redated=_listing(redated),
        due_next=_listing(due_next),
    )


def days_overdue(item: ActionItem, last_day: datetime.date) -> int:
    due = getattr(item, "due_at", item.due_date)
    return max(0, (last_day - due).days)


# Who may read which report --------------------------------------------------------------------


def can_view_quarterly_report(user: User | object, report: QuarterlyReport) -> bool:
    """The whole tracker's report: coordinators. An agency's: its managers and coordinators."""
    roles = user_roles(user)
    if roles.sees_everything:
        return True
    return report.agency_id is not None and report.agency_id in roles.manager_of


def quarterly_reports_for(user: User | object) -> QuerySet[QuarterlyReport]:
    """The reports ``user`` may read, every version, newest quarter first."""
    roles = user_roles(user)
    reports = QuarterlyReport.objects.select_related("agency", "created_by")
    if roles.sees_everything:
        return reports
    return reports.filter(agency_id__in=roles.manager_of)


def quarterly_report_recipients(*, quarter: Quarter) -> dict[int, list[QuarterlyReport]]:
    """Each manager and coordinator, with the current reports of ``quarter`` they may read."""
    current: dict[int | None, QuarterlyReport] = {}
    for report in QuarterlyReport.objects.filter(quarter=str(quarter)).order_by("version"):
        current[report.agency_id] = report  # the latest version wins
    recipients: dict[int, list[QuarterlyReport]] = {}
    for user_id, agency_id, role in Membership.objects.filter(
        role__in=[Membership.Role.MANAGER, Membership.Role.COORDINATOR]
    ).values_list("user_id", "agency_id", "role"):
        chosen = (
            current.get(None) if role == Membership.Role.COORDINATOR else current.get(agency_id)
        )
        if chosen is not None:
            reports = recipients.setdefault(user_id, [])
            if chosen not in reports:
                reports.append(chosen)
    return recipients
