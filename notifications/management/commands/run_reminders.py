from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agencies.models import User
from notifications import planning


class Command(BaseCommand):
    help = (
        "Run the reminder scan exactly as the scheduler does, at the given moment or now: create "
        "the notifications that are due and queue their sending. --dry-run only lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            help="ISO-8601 moment to run as (e.g. 2026-04-20T08:00-04:00); default now. "
            "A moment without a time zone is in TIME_ZONE.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; change nothing."
        )

    def handle(self, *args: object, at: str | None, dry_run: bool, **options: object) -> None:
        moment = timezone.now()
        if at:
            try:
                parsed = parse_datetime(at)
            except ValueError:  # well formed but not a real moment, e.g. 30 February
                parsed = None
            if parsed is None:
                raise CommandError(f"--at {at!r} is not an ISO-8601 date and time.")
            moment = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
            if moment > timezone.now() and not dry_run:
                raise CommandError(
                    "--at in the future would send reminders early; add --dry-run to preview."
                )
        result = planning.reminders_scan(now=moment, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"Reminder day {result.reminder_day}: {len(result.planned)} notification(s) "
                "would be sent."
            )
            # Operators read people by username, not by database id (one query for them all).
            usernames = dict(
                User.objects.filter(pk__in={p.recipient_id for p in result.planned}).values_list(
                    "pk", "username"
                )
            )
            for planned in result.planned:
                item = f"item {planned.action_item_id}" if planned.action_item_id else "-"
                recipient = usernames.get(planned.recipient_id, f"user {planned.recipient_id}")
                self.stdout.write(
                    f"  {recipient:<20} {planned.kind:<15} {item:<12} {planned.period}"
                )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Reminder day {result.reminder_day}: {result.created} new notification(s); "
                f"{result.queued_tasks} send task(s) queued."
            )
        )
