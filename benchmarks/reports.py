"""Benchmark (not a test): the reports page, its exports and the API at the brief's scale.

    createdb -h 127.0.0.1 -U postgres bench_reports
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports
    .venv/bin/python manage.py migrate
    .venv/bin/python -m benchmarks.reports --generate     # once: 100,000 items, 1,000,000 updates
    .venv/bin/python -m benchmarks.reports                # then as often as you like

Each request runs through Django's test client (the whole stack: middleware, session, view,
template or export), once to warm up and then ``--runs`` times; it prints the median and the
slowest time and the number of SQL queries of one request.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass

import django


@dataclass(frozen=True)
class Measure:
    label: str
    url: str
    username: str
    median_ms: float
    max_ms: float
    queries: int
    status: int
    size_kb: float


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # The numbers are about the report, not about a debug toolbar or request logging.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()


def _measure(label: str, url: str, username: str, runs: int) -> Measure:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(url)  # warm-up: connection, templates, translation catalogues
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return Measure(
        label=label,
        url=url,
        username=username,
        median_ms=statistics.median(timings),
        max_ms=max(timings),
        queries=len(queries),
        status=response.status_code,
        size_kb=len(response.content) / 1024,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="(Re)generate the data first.")
    parser.add_argument("--runs", type=int, default=5, help="Timed runs per request (default 5).")
    parser.add_argument("--items", type=int, default=None, help="Action items (default 100,000).")
    parser.add_argument(
        "--force", action="store_true", help="Allow a database whose name lacks 'bench'."
    )
    args = parser.parse_args(argv)
    _setup()

    from django.conf import settings
    from django.test.utils import setup_test_environment

    from agencies.models import Membership

    from .data import BRIEF_SCALE, Scale, benchmark_data_counts, benchmark_data_generate

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    if args.generate:
        scale = BRIEF_SCALE if args.items is None else Scale(items=args.items)
        started = time.perf_counter()
        timings = benchmark_data_generate(scale=scale, force=args.force)
        steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())
        print(f"Generated in {time.perf_counter() - started:.1f}s ({steps})")
    counts = benchmark_data_counts()
    print("Rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))

    # The test client's "testserver" host must be allowed, as under the test runner.
    setup_test_environment()
    coordinator = (
        Membership.objects.filter(role=Membership.Role.COORDINATOR).order_by("user_id").first()
    )
    manager = Membership.objects.filter(role=Membership.Role.MANAGER).order_by("user_id").first()
    if coordinator is None or manager is None:
        print("No coordinator or manager: generate the data first (--generate).", file=sys.stderr)
        return 2
    everyone, one_agency = coordinator.user.username, manager.user.username
    filtered = "?priority=high&date_from=2025-01-01&date_to=2026-12-31"
    cases = [
        ("Report page, coordinator (all agencies)", "/reports/", everyone),
        ("Report page, coordinator, filtered", f"/reports/{filtered}", everyone),
        ("Report page, manager (own agency + supported)", "/reports/", one_agency),
        ("CSV export, coordinator", "/reports/export.csv", everyone),
        ("Excel export, coordinator", "/reports/export.xlsx", everyone),
        ("API summary, coordinator", "/api/v1/reports/summary/", everyone),
    ]
    results = [_measure(label, url, user, args.runs) for label, url, user in cases]
    width = max(len(result.label) for result in results)
    print(f"\n{'request':<{width}}  median ms  max ms  queries  status  size KB")
    for result in results:
        print(
            f"{result.label:<{width}}  {result.median_ms:9.0f}  {result.max_ms:6.0f}  "
            f"{result.queries:7d}  {result.status:6d}  {result.size_kb:7.0f}"
        )
    return 0 if all(result.status == 200 for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
