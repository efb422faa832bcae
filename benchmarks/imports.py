"""Benchmark (not a test): the spreadsheet round trip and the exports at the brief's scale.

    createdb -h 127.0.0.1 -U postgres bench_import
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import
    make benchmark-import          # migrates, generates once (--generate), then measures

Phases, each in a fresh process so that its peak memory (``ru_maxrss``) is its own:

- ``download``: the 10,000 open items of one agency as a progress workbook;
- ``preview``: that workbook, every row edited (percent and a note), read and previewed (the
  service's checks asked for every row, nothing written);
- ``apply``: the preview's 10,000 changes applied (``progress_apply``: the checks and the
  conditional UPDATE of ``action_item_change`` for every row, through
  ``action_items_change_many``);
- ``export``: all 100,000 action items as CSV (streamed) and as XLSX (``imports.xlsx``).

Targets (issue 14): preview <= 10 s, apply <= 60 s, export <= 15 s, memory < 300 MB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import django

USERNAME = "bench.progress"
AGENCY = "RCMP"
ROWS = 10_000
WORK_DIR = Path(os.environ.get("VAR_DIR", "var")) / "bench-import"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Production settings: with DEBUG on, Django keeps every SQL statement in memory.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate() -> None:
    """The brief's data (100,000 items), then 10,000 open items of one agency for one person."""
    from django.db import connection, transaction

    from agencies.models import Agency, Membership, User
    from benchmarks.data import Scale, benchmark_data_generate

    # Two updates per item: the timeline is not what this benchmark measures.
    timings = benchmark_data_generate(scale=Scale(updates_per_item=2))
    print("generated:", {k: round(v, 1) for k, v in timings.items()})
    with transaction.atomic():
        agency = Agency.objects.get(acronym=AGENCY)
        user = User.objects.create_user(USERNAME, email="bench@example.gc.ca", password="x")
        Membership.objects.create(user=user, agency=agency, role=Membership.Role.STAFF)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE recommendations_actionitem SET owner_agency_id = %s, assignee_id = NULL
                WHERE id IN (SELECT id FROM recommendations_actionitem
                             WHERE status IN ('not_started', 'in_progress', 'blocked')
                             ORDER BY id LIMIT %s)
                """,
                [agency.pk, ROWS],
            )
            cursor.execute(
                """
                UPDATE recommendations_actionitem SET owner_agency_id = (
                    SELECT id FROM agencies_agency WHERE acronym = 'CBSA')
                WHERE owner_agency_id = %s AND id NOT IN (
                    SELECT id FROM recommendations_actionitem
                    WHERE status IN ('not_started', 'in_progress', 'blocked')
                    ORDER BY id LIMIT %s)
                """,
                [agency.pk, ROWS],
            )
    print(f"{USERNAME}: {ROWS} open items of {AGENCY}")


if TYPE_CHECKING:
    from agencies.models import User


def _user() -> "User":
    from agencies.models import User

    return User.objects.get(username=USERNAME)


def phase_download() -> dict[str, float]:
    from imports.progress import progress_workbook

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (WORK_DIR / "download.xlsx").open("wb") as output:
        progress_workbook(_user(), output)
    seconds = time.perf_counter() - started
    # Edit every row as an agency would (not timed): a new percent and a note.
    from openpyxl import Workbook, load_workbook

    source = load_workbook(WORK_DIR / "download.xlsx", read_only=True)
    edited = Workbook(write_only=True)
    sheet = edited.create_sheet(source.worksheets[0].title)
    for index, row in enumerate(source.worksheets[0].iter_rows(values_only=True)):
        values = list(row)
        if index:
            values[8] = min(100, int(str(values[8] or 0)) + 5)
            values[9] = "Quarterly update from the agency's tracker"
        sheet.append(values)
    edited.save(WORK_DIR / "edited.xlsx")
    return {"seconds": seconds, "rows": ROWS}


def phase_preview() -> dict[str, float]:
    from imports.progress import progress_preview
    from imports.reading import book_read

    data = (WORK_DIR / "edited.xlsx").read_bytes()
    started = time.perf_counter()
    cpu = time.process_time()
    book = book_read(data, filename="edited.xlsx", csv_sheet_name="Items")
    read = time.perf_counter() - started
    plan = progress_preview(book, actor=_user())
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    (WORK_DIR / "rows.json").write_text(json.dumps([r.as_dict() for r in plan.of("change")]))
    counts = plan.counts()
    return {"seconds": seconds, "cpu_seconds": cpu, "read_seconds": read, **counts}


def phase_apply() -> dict[str, float]:
    from imports.progress import progress_apply, rows_from_json

    rows = rows_from_json(json.loads((WORK_DIR / "rows.json").read_text()))
    started = time.perf_counter()
    cpu = time.process_time()
    result = progress_apply(rows, actor=_user())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "applied": result.applied,
        "conflicts": len(result.conflicts),
        "refused": len(result.refused),
    }


def phase_export() -> dict[str, float]:
    from imports import exports
    from recommendations.models import ActionItem

    spec = exports.KINDS["action-items"]
    started = time.perf_counter()
    cpu = time.process_time()
    size = 0
    for chunk in exports.iter_chunks(exports.csv_lines(spec, ActionItem.objects.all())):
        size += len(chunk)
    csv_seconds = time.perf_counter() - started
    csv_cpu = time.process_time() - cpu
    started = time.perf_counter()
    cpu = time.process_time()
    with exports.xlsx_file(spec, ActionItem.objects.all()) as output:
        xlsx_size = len(output.read())
    xlsx_seconds = time.perf_counter() - started
    return {
        "csv_seconds": csv_seconds,
        "csv_cpu_seconds": csv_cpu,
        "xlsx_cpu_seconds": time.process_time() - cpu,
        "csv_mb": size / 1e6,
        "xlsx_seconds": xlsx_seconds,
        "xlsx_mb": xlsx_size / 1e6,
        "items": ActionItem.objects.count(),
    }


PHASES = {
    "download": phase_download,
    "preview": phase_preview,
    "apply": phase_apply,
    "export": phase_export,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="Generate the data first.")
    parser.add_argument("--phase", choices=PHASES, help="Run one phase (in this process).")
    args = parser.parse_args()
    if args.phase:
        _setup()
        result = PHASES[args.phase]()
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    _setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    from agencies.models import User

    if args.generate or not User.objects.filter(username=USERNAME).exists():
        generate()
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    results = {}
    for name in PHASES:
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.imports", "--phase", name],
            check=True,
            capture_output=True,
            text=True,
        )
        results[name] = json.loads(output.stdout.strip().splitlines()[-1])
        print(
            f"{name:>9}: "
            + ", ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                for k, v in results[name].items()
            )
        )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    targets = [
        ("preview <= 10 s", results["preview"]["seconds"] <= 10),
        ("apply <= 60 s", results["apply"]["seconds"] <= 60),
        (
            "export <= 15 s (CSV and XLSX each)",
            max(results["export"]["csv_seconds"], results["export"]["xlsx_seconds"]) <= 15,
        ),
        ("memory < 300 MB", max(r["peak_mb"] for r in results.values()) < 300),
    ]
    for label, met in targets:
        print(f"{'met' if met else 'MISSED'}: {label}")


if __name__ == "__main__":
    main()
