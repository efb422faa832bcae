"""Producing, archiving and sending the quarterly reports. The beat task, the command and the
tests call these functions.

Once and only once: a report version is a row unique per (quarter, agency, version), so two beats
producing the missing version 1 at once write it once; the email is a notification unique per
(recipient, kind, quarter), so each manager and coordinator gets one per quarter however often
this runs.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency, Membership, User
from notifications.external import external_notify
from notifications.models import NotificationKind

from .documents import outline_build, outline_docx, outline_html
from .models import QuarterlyReport
from .quarters import Quarter, quarter_due, report_day
from .selectors import QuarterlyContent, quarterly_content, quarterly_report_recipients

logger = logging.getLogger(__name__)
LANGUAGES = ("en", "fr")


@dataclass
class ProduceResult:
    quarter: Quarter
    contents: list[QuarterlyContent] = field(default_factory=list)
    reports: list[QuarterlyReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # scopes whose report already existed
    recipients: list[int] = field(default_factory=list)
    emails_created: int = 0


def report_agencies() -> list[Agency]:
    """Agencies that get a report of their own: those with a manager to read it."""
    return list(
        Agency.objects.filter(memberships__role=Membership.Role.MANAGER)
        .distinct()
        .order_by("acronym")
    )


def _scope_name(agency: Agency | None) -> str:
    return agency.acronym if agency else "all"


def quarterly_report_store(
    *, content: QuarterlyContent, actor: User | None = None, version: int | None = None
) -> QuarterlyReport:
    """Write the four documents of ``content`` (Word and HTML, English and French) to storage and
    record them as the next version (or ``version``). IntegrityError if that version exists."""
    files = {}
    for language in LANGUAGES:
        outline = outline_build(content, language)
        files[f"docx_{language}"] = outline_docx(outline)
        files[f"html_{language}"] = outline_html(outline)
    quarter, agency = str(content.quarter), content.agency
    with transaction.atomic():
        if version is None:
            latest = QuarterlyReport.objects.filter(quarter=quarter, agency=agency).aggregate(
                v=Max("version")
            )["v"]
            version = (latest or 0) + 1
        report = QuarterlyReport(quarter=quarter, agency=agency, version=version, created_by=actor)
        scope = _scope_name(agency)
        for name, data in files.items():
            kind, language = name.split("_")
            extension = "docx" if kind == "docx" else "html"
            getattr(report, name).save(
                f"quarterly-report-{quarter}-{scope}-{language}.{extension}",
                ContentFile(data),
                save=False,
            )
        report.save()
    return report


def quarterly_reports_produce(
    *,
    quarter: Quarter,
    agency: Agency | None = None,
    all_agencies: bool = True,
    only_missing: bool = False,
    dry_run: bool = False,
    actor: User | None = None,
    now: datetime.datetime | None = None,
) -> ProduceResult:
    """Produce the reports of an ended quarter and send each reader one email about them.

    1. The scopes: ``agency`` alone, or the whole tracker and (``all_agencies``) every agency
       with a manager.
    2. For each, compute the content at the quarter's end and store a new version (with
       ``only_missing``, only where none exists: the scheduler's way).
    3. Record one notification per manager and coordinator for the quarter (existing ones are
       kept, so nobody gets a second email), queued after commit.
    A dry run computes the content and the recipients and writes nothing.
    """
    now = now or timezone.now()
    result = ProduceResult(quarter=quarter)
    scopes: list[Agency | None] = [agency] if agency is not None else [None]
    if agency is None and all_agencies:
        scopes += report_agencies()
    for scope in scopes:
        exists = QuarterlyReport.objects.filter(quarter=str(quarter), agency=scope).exists()
        if only_missing and exists:
            result.skipped.append(_scope_name(scope))
            continue
        content = quarterly_content(quarter=quarter, agency=scope, now=now)
        result.contents.append(content)
        if dry_run:
            continue
        try:
            result.reports.append(
                quarterly_report_store(
                    content=content, actor=actor, version=1 if only_missing else None
                )
            )
        except IntegrityError:
            # Another worker stored this version a moment ago: theirs stands.
            logger.info(
                "Quarterly report %s %s was produced by another worker", quarter, _scope_name(scope)
            )
            result.skipped.append(_scope_name(scope))
    if dry_run:
        recipients = {
            m.user_id
            for m in Membership.objects.filter(
                role__in=[Membership.Role.MANAGER, Membership.Role.COORDINATOR]
            )
        }
        result.recipients = sorted(recipients)
        return result
    readers = quarterly_report_recipients(quarter=quarter)
    result.recipients = sorted(readers)
    result.emails_created = external_notify(
        kind=NotificationKind.QUARTERLY_REPORT,
        period=str(quarter),
        period_start=report_day(quarter),
        recipient_ids=readers,
        now=now,
    )
    return result


def quarterly_reports_due(*, now: datetime.datetime | None = None) -> ProduceResult | None:
    """What the scheduler runs every morning: on and after the first working day of a quarter,
    produce the reports of the quarter just ended that do not exist yet, and send them once."""
    now = now or timezone.now()
    quarter = quarter_due(now)
    if quarter is None:
        return None
    return quarterly_reports_produce(quarter=quarter, only_missing=True, now=now)
