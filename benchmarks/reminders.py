"""Benchmark (not a test): 10,000 reminders due in one morning, scanned and sent to a local SMTP
server (aiosmtpd), as the scheduler and the workers would.

    .venv/bin/python benchmarks/reminders.py            # throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/reminders.py
                                                        # throwaway PostgreSQL database beside it

Data: 50 agencies, 2,000 staff and 50 managers, 10,000 open items due in 7 days (each one
due-soon reminder to its assignee, so five reminders per person, grouped into one email each),
and 10,000 more items that are not due. Prints the median of three runs of each step.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol

REPO = Path(__file__).resolve().parents[1]
# Run as a script, Python puts this folder first on the path, where benchmarks/public.py hides
# the ``public`` package that aiosmtpd imports: the repository takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)
else:
    sys.path.insert(0, str(REPO))

DUE_ITEMS = 10_000
OTHER_ITEMS = 10_000
AGENCIES = 50
STAFF = 2_000
RUNS = 3


class CountsEmails(Protocol):
    """The SMTP handler the benchmark counts deliveries with."""

    received: ClassVar[int]


def throwaway_database() -> tuple[str, Callable[[], object]]:
    """A new database URL and a function that drops it."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        import psycopg

        name = f"bench_reminders_{uuid.uuid4().hex[:8]}"
        server, _slash, _db = base.rpartition("/")
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return f"{server}/{name}", drop
    folder = tempfile.mkdtemp(prefix="bench-reminders-")
    return f"sqlite:///{folder}/bench.sqlite3", lambda: None


def main() -> None:
    from aiosmtpd.controller import Controller

    class CountingHandler:
        received: ClassVar[int] = 0

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            CountingHandler.received += 1
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(CountingHandler(), hostname="127.0.0.1", port=port)
    smtp.start()
    url, drop = throwaway_database()
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "CELERY_BROKER_URL": "memory://",  # the scan queues tasks; this script plays the worker
            "VAR_DIR": tempfile.mkdtemp(prefix="bench-var-"),
            "LOG_LEVEL": "WARNING",
            # DEBUG off, as in production: no query log kept in memory.
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-" + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "localhost",
            "SITE_URL": "http://localhost",  # required with DEBUG off (links in the emails)
        }
    )
    import django

    django.setup()
    try:
        run(CountingHandler)
    finally:
        drop()
        smtp.stop()


def populate() -> None:
    import datetime

    from django.utils import timezone

    from agencies.models import Agency, Membership, User
    from recommendations.models import ActionItem, Recommendation, Source, Theme

    agencies = Agency.objects.bulk_create(
        Agency(acronym=f"A{i}", name_en=f"Agency {i}", name_fr=f"Agence {i}", level="federal",
               kind="police")
        for i in range(AGENCIES)
    )  # fmt: skip
    users = User.objects.bulk_create(
        User(username=f"staff{i}", email=f"staff{i}@example.gc.ca", password="!")
        for i in range(STAFF)
    )
    managers = User.objects.bulk_create(
        User(username=f"manager{i}", email=f"manager{i}@example.gc.ca", password="!")
        for i in range(AGENCIES)
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, agency=agencies[i % AGENCIES], role="staff")
            for i, u in enumerate(users)
        ]
        + [Membership(user=m, agency=agencies[i], role="manager") for i, m in enumerate(managers)]
    )
    source = Source.objects.create(key="bench", title_en="B", title_fr="B", publisher_en="P",
                                   publisher_fr="P")  # fmt: skip
    theme = Theme.objects.create(source=source, key="t", section="key_theme", title_en="T",
                                 title_fr="T")  # fmt: skip
    recommendations = Recommendation.objects.bulk_create(
        Recommendation(code=f"B-{i}", source=source, theme=theme, title_en=f"R{i}",
                       title_fr=f"R{i}", source_passage="p", lead_agency=agencies[i])
        for i in range(AGENCIES)
    )  # fmt: skip
    today = timezone.localdate()
    now = timezone.now()
    items = []
    for i in range(DUE_ITEMS + OTHER_ITEMS):
        user_index = i % STAFF
        agency_index = user_index % AGENCIES
        due = today + datetime.timedelta(days=7 if i < DUE_ITEMS else 60)
        items.append(
            ActionItem(recommendation=recommendations[agency_index], sequence=i + 1,
                       title_en=f"Action {i}", title_fr=f"Mesure {i}",
                       owner_agency=agencies[agency_index], assignee=users[user_index],
                       due_date=due, original_due_date=due, last_progress_at=now)
        )  # fmt: skip
    ActionItem.objects.bulk_create(items, batch_size=2000)


def run(handler: type[CountsEmails]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from notifications import delivery, planning, selectors
    from notifications.models import Notification

    started = time.perf_counter()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    populate()
    print(f"Database: {connection.vendor}; data ready in {time.perf_counter() - started:.1f} s")

    scans, sends, rescans, query_counts = [], [], [], []
    for _run in range(RUNS):
        Notification.objects.all().delete()
        handler.received = 0
        moment = timezone.localtime().replace(hour=8, minute=0)
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = planning.reminders_scan(now=moment)
        scans.append(time.perf_counter() - t0)
        query_counts.append(len(queries))
        t0 = time.perf_counter()
        recipients = selectors.recipients_with_due_notifications(now=timezone.now())
        emails = 0
        for start in range(0, len(recipients), delivery.SEND_BATCH_SIZE):
            batch = recipients[start : start + delivery.SEND_BATCH_SIZE]
            emails += delivery.notifications_send(recipient_ids=batch).emails_sent
        sends.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        planning.reminders_scan(now=moment)
        rescans.append(time.perf_counter() - t0)
        reminders = Notification.objects.filter(kind="due_soon", state="sent").count()
        assert reminders == DUE_ITEMS, reminders
        assert handler.received == emails, (handler.received, emails)

    print(f"Notifications created per scan: {result.created} ({DUE_ITEMS} due-soon reminders "
          f"and the managers' digests), {result.queued_tasks} send tasks of "
          f"{delivery.SEND_BATCH_SIZE} recipients")  # fmt: skip
    print(f"Emails delivered to the SMTP server per run: {emails} (reminders grouped per person)")
    print(f"Scan (plan + insert + queue), queries: {query_counts[0]}; "
          f"median {statistics.median(scans):.2f} s (runs: {', '.join(f'{s:.2f}' for s in scans)})")  # fmt: skip
    print(f"Send over SMTP, median {statistics.median(sends):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in sends)}); "
          f"{emails / statistics.median(sends):.0f} emails/s, "
          f"{DUE_ITEMS / statistics.median(sends):.0f} reminders/s")  # fmt: skip
    print(f"Scan again with nothing new (every 15 minutes), median "
          f"{statistics.median(rescans):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
