"""python manage.py quarterly_report --quarter 2026Q4 [--agency ACRONYM] [--dry-run]"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Agency
from quarterly.quarters import quarter_ended
from quarterly.services import quarterly_reports_produce


class Command(BaseCommand):
    help = (
        "Produce the quarterly report documents of a quarter that has ended (the whole tracker "
        "and every agency with a manager, or one agency), archive them as a new version, and "
        "send each manager and coordinator one email about the quarter (never a second one). "
        "The same service as the scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="e.g. 2026Q4")
        parser.add_argument("--agency", help="the acronym of one agency (its report only)")
        parser.add_argument(
            "--dry-run", action="store_true", help="compute and show; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quarter = quarter_ended(options["quarter"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(acronym__iexact=options["agency"].strip()).first()
            if agency is None:
                raise CommandError(f"No agency has the acronym “{options['agency']}”.")
        result = quarterly_reports_produce(
            quarter=quarter, agency=agency, dry_run=options["dry_run"]
        )
        for content in result.contents:
            totals = content.figures.totals
            scope = content.agency.acronym if content.agency else "all agencies"
            self.stdout.write(
                f"{quarter} {scope}: {totals.total} items, {totals.count('completed')} completed, "
                f"{totals.open} open, {totals.overdue} overdue at the end of the quarter"
            )
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: nothing written; {len(result.recipients)} possible recipients."
            )
            return
        for report in result.reports:
            self.stdout.write(f"Stored {report} ({report.docx_en.name}, ...)")
        self.stdout.write(
            f"{result.emails_created} new emails queued ({len(result.recipients)} readers; "
            "anyone already sent this quarter's email is not sent another)."
        )
