"""Benchmark (not a test): the project over HTTP, side by side with a floor, at the brief's scale.

    createdb -h 127.0.0.1 -U postgres bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/9 \
        make benchmark

``REDIS_URL`` puts the cache (and the broker) in Redis, as in production; without it the
embedded default's file cache serves the cached figures.

It migrates the database and generates the brief's data once (50 agencies, 2,000 users, 100,000
items, 1,000,000 updates; reused on later runs), then starts on free loopback ports:

- the project under gunicorn (2 sync workers, ``DEBUG=0``, ``benchmarks.settings``: the API's
  rate limits off for this run only);
- the floor (``benchmarks.floor``), also 2 gunicorn workers: for each endpoint it runs exactly
  the SQL the project ran for one request of it (captured here) on one psycopg connection and
  answers ``json.dumps`` of the rows.

The API's action item reads keep their answers (a warm request reads only the versions), so
they are also run against a second floor, the SQL of an answer computed afresh (captured just
after a write), printed in a second table.

Each round runs, for each endpoint, a fixed number of requests at concurrency 4 with ApacheBench
(``ab``, Debian's apache2-utils) against the project, then the same against its floor; three
rounds. The table shows medians over the rounds. Then single requests, one after the other:
"cold" right after a change to the data (so no cached report can answer), and "warm".

The machine is shared, so absolute figures are noisy: the ratio to the floor, measured in the
same round, is the figure that counts. The load average is printed with the table.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SECRET = "benchmark-only-secret-key-not-for-production"
CONCURRENCY = 4
ROUNDS = 3
AB_TIMEOUT = 600  # seconds one ab run may take before the benchmark gives up on it
# The API reads whose answers are kept: their floor runs the SQL of a warm request (a kept answer:
# one read of the versions), so they are also measured against a second floor, the SQL of an
# answer computed afresh, under this key.
COMPUTED = {"api-list": "api-list-computed", "api-detail": "api-detail-computed"}


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    path: str
    auth: str  # "token" (API) or "session" (pages)
    requests: int
    goal: str  # the goal, as text
    min_rps: float = 0.0
    min_ratio: float = 0.0
    max_p50_ms: float = 0.0


@dataclass(frozen=True)
class AbResult:
    rps: float
    p50: float
    p95: float
    failed: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(port: int, path: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise SystemExit(f"The server on port {port} did not start within {deadline_s}s.")


@contextlib.contextmanager
def _server(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as output:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=output, stderr=output)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ab(url: str, requests: int, header: str) -> AbResult:
    command = ["ab", "-q", "-l", "-n", str(requests), "-c", str(CONCURRENCY), "-s", "60"]
    command += ["-H", header, url]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=AB_TIMEOUT, check=False
    ).stdout
    rps = re.search(r"Requests per second:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\d+)", output, re.MULTILINE)
    p95 = re.search(r"^\s+95%\s+(\d+)", output, re.MULTILINE)
    if not (rps and p50 and p95):
        raise SystemExit(f"ab failed on {url}:\n{output}")
    failed = re.search(r"Failed requests:\s+(\d+)", output)
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
    return AbResult(
        rps=float(rps[1]),
        p50=float(p50[1]),
        p95=float(p95[1]),
        failed=int(failed[1] if failed else 0) + int(non_2xx[1] if non_2xx else 0),
    )


def _get_ms(url: str, header: str) -> float:
    name, value = header.split(": ", 1)
    request = urllib.request.Request(url, headers={name: value})  # noqa: S310 - loopback only
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--scale", type=float, default=1.0, help="Requests per run x this.")
    parser.add_argument("--only", default="", help="Comma-separated endpoint keys.")
    args = parser.parse_args(argv)
    if shutil.which("ab") is None:
        print("ab not found: apt-get install apache2-utils", file=sys.stderr)
        return 2
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (a database it may fill).", file=sys.stderr)
        return 2

    var_dir = Path(tempfile.mkdtemp(prefix="tracker-benchmark-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(var_dir),
    }
    try:
        return _run(args, env, var_dir)
    finally:
        if not os.environ.get("BENCHMARK_KEEP"):
            shutil.rmtree(var_dir, ignore_errors=True)


def _run(args: argparse.Namespace, env: dict[str, str], var_dir: Path) -> int:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    _setup_django(env)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from agencies.models import Membership
    from agencies.services import api_token_create
    from recommendations.models import ActionItem

    from .data import benchmark_data_counts, benchmark_data_generate

    if benchmark_data_counts()["recommendations_actionitem"] == 0:
        print("Generating the brief's data (once)...", flush=True)
        benchmark_data_generate()
    counts = benchmark_data_counts()
    print("Rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))

    membership = (
        Membership.objects.filter(role=Membership.Role.COORDINATOR).order_by("user_id").first()
    )
    if membership is None:
        print("No coordinator in the data.", file=sys.stderr)
        return 2
    user = membership.user
    _token, token_key = api_token_create(user=user, name="benchmark")
    item_id = ActionItem.objects.order_by("id").values_list("id", flat=True)[500]

    endpoints = [
        Endpoint(
            "api-list",
            "GET /api/v1/action-items/ (50 rows)",
            "/api/v1/action-items/",
            "token",
            200,
            "≥ 150 req/s and ≥ 0.5 x floor",
            min_rps=150,
            min_ratio=0.5,
        ),
        Endpoint(
            "api-detail",
            "GET /api/v1/action-items/{id}/",
            f"/api/v1/action-items/{item_id}/",
            "token",
            600,
            "≥ 600 req/s",
            min_rps=600,
        ),
        Endpoint(
            "report",
            "/reports/ (coordinator)",
            "/reports/",
            "session",
            100,
            "≤ 250 ms p50",
            max_p50_ms=250,
        ),
        Endpoint(
            "summary",
            "/api/v1/reports/summary/",
            "/api/v1/reports/summary/",
            "token",
            100,
            "≤ 150 ms p50",
            max_p50_ms=150,
        ),
        Endpoint(
            "csv",
            "/reports/export.csv",
            "/reports/export.csv",
            "session",
            100,
            "≤ 400 ms p50",
            max_p50_ms=400,
        ),
        Endpoint(
            "my-work",
            "/ My work (coordinator)",
            "/",
            "session",
            200,
            "≤ 100 ms p50",
            max_p50_ms=100,
        ),
        Endpoint(
            "recommendations",
            "/recommendations/",
            "/recommendations/",
            "session",
            200,
            "≤ 100 ms p50",
            max_p50_ms=100,
        ),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        endpoints = [endpoint for endpoint in endpoints if endpoint.key in wanted]

    # One signed-in session for the pages, the user's token for the API.
    setup_test_environment()
    client = Client()
    client.force_login(user)
    session_header = f"Cookie: sessionid={client.cookies['sessionid'].value}"
    token_header = f"Authorization: Token {token_key}"
    headers = {"session": session_header, "token": token_header}

    # Capture the SQL of one request per endpoint, after a first one has warmed any cache, as the
    # benchmark's requests will find it.
    captured: dict[str, list[str]] = {}
    query_counts: dict[str, int] = {}
    api_client = Client(HTTP_AUTHORIZATION=f"Token {token_key}")  # no session cookie, as ab
    for endpoint in endpoints:
        caller = api_client if endpoint.auth == "token" else client
        caller.get(endpoint.path)
        with CaptureQueriesContext(connection) as queries:
            response = caller.get(endpoint.path)
        if response.status_code != 200:
            print(f"{endpoint.path} answered {response.status_code}", file=sys.stderr)
            return 1
        captured[endpoint.key] = _plain_statements(q["sql"] for q in queries.captured_queries)
        query_counts[endpoint.key] = len(queries.captured_queries)
        if endpoint.key in COMPUTED:
            # And the SQL of an answer computed afresh (no kept answer can serve it after a
            # write): what the API would cost if only the database did the work of answering.
            _bump_data()
            with CaptureQueriesContext(connection) as queries:
                caller.get(endpoint.path)
            statements = _plain_statements(q["sql"] for q in queries.captured_queries)
            captured[COMPUTED[endpoint.key]] = statements
            query_counts[COMPUTED[endpoint.key]] = len(statements)
    queries_file = var_dir / "floor-queries.json"
    queries_file.write_text(json.dumps(captured))
    connection.close()

    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"dbname={settings['NAME']} user={settings['USER']}"
        + (f" password={settings['PASSWORD']}" if settings["PASSWORD"] else "")
    )
    project_port, floor_port = _free_port(), _free_port()
    gunicorn = [GUNICORN, "--workers", "2", "--worker-class", "sync", "--timeout", "120"]
    project_cmd = [*gunicorn, "--bind", f"127.0.0.1:{project_port}", "tracker.wsgi"]
    floor_cmd = [*gunicorn, "--bind", f"127.0.0.1:{floor_port}", "benchmarks.floor"]
    floor_env = {**env, "FLOOR_DSN": dsn, "FLOOR_QUERIES": str(queries_file)}

    with (
        _server(project_cmd, env, var_dir / "project.log"),
        _server(floor_cmd, floor_env, var_dir / "floor.log"),
    ):
        _wait_until_up(project_port, "/")
        _wait_until_up(floor_port, "/")
        project = f"http://127.0.0.1:{project_port}"
        floor = f"http://127.0.0.1:{floor_port}"
        # Warm both: imports, connections, templates, caches. At concurrency 4, so that every
        # worker is warm (one request after another may all reach the same worker, leaving the
        # other to compute its first answer inside the measured run).
        for endpoint in endpoints:
            _ab(project + endpoint.path, 4 * CONCURRENCY, headers[endpoint.auth])
            _ab(f"{floor}/{endpoint.key}", 4 * CONCURRENCY, "Accept: */*")

        results: dict[str, list[AbResult]] = {endpoint.key: [] for endpoint in endpoints}
        floors: dict[str, list[AbResult]] = {endpoint.key: [] for endpoint in endpoints}
        computed = [endpoint for endpoint in endpoints if endpoint.key in COMPUTED]
        floors |= {COMPUTED[endpoint.key]: [] for endpoint in computed}
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}/{args.rounds} ...", flush=True)
            for endpoint in endpoints:
                requests = max(CONCURRENCY, int(endpoint.requests * args.scale))
                results[endpoint.key].append(
                    _ab(project + endpoint.path, requests, headers[endpoint.auth])
                )
                floors[endpoint.key].append(_ab(f"{floor}/{endpoint.key}", requests, "Accept: */*"))
                if endpoint.key in COMPUTED:
                    key = COMPUTED[endpoint.key]
                    floors[key].append(_ab(f"{floor}/{key}", requests, "Accept: */*"))
            # Each round's table as it ends, so an interrupted run still tells something.
            _print_table(endpoints, results, floors, query_counts)

        single = _single_requests(project, endpoints, headers)

    _print_table(endpoints, results, floors, query_counts)
    print("\nSingle requests, one at a time (median of 5 ms; cold = just after a change):")
    for label, cold, warm in single:
        print(f"  {label:<34} cold {cold:7.0f}   warm {warm:7.0f}")
    return 0


_DECLARE = re.compile(r"^DECLARE\s+\S+\s+.*?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+", re.S)


def _plain_statements(statements: Iterable[str]) -> list[str]:
    """The captured SQL as the floor runs it: a server-side cursor's query read at once."""
    plain = []
    for sql in statements:
        if sql.startswith(("FETCH ", "CLOSE ")):
            continue
        plain.append(_DECLARE.sub("", sql, count=1))
    return plain


def _bump_data() -> None:
    """A change to the data, as any write makes it: no cached report may answer after it."""
    from django.db import connection, transaction

    try:
        from recommendations.services import data_version_bump
    except ImportError:  # before the report cache existed there was nothing to invalidate
        return
    with transaction.atomic():
        data_version_bump()
    connection.close()


def _single_requests(
    project: str, endpoints: list[Endpoint], headers: dict[str, str]
) -> list[tuple[str, float, float]]:
    single = []
    for endpoint in endpoints:
        if endpoint.key.startswith("api-"):
            continue
        cold, warm = [], []
        for _ in range(5):
            _bump_data()
            cold.append(_get_ms(project + endpoint.path, headers[endpoint.auth]))
            warm.append(_get_ms(project + endpoint.path, headers[endpoint.auth]))
        single.append((endpoint.label, statistics.median(cold), statistics.median(warm)))
    return single


def _print_computed_table(
    endpoints: list[Endpoint],
    results: dict[str, list[AbResult]],
    floors: dict[str, list[AbResult]],
    query_counts: dict[str, int],
) -> None:
    computed = [endpoint for endpoint in endpoints if endpoint.key in COMPUTED]
    if not computed:
        return
    print(
        "\nThe same API answers against the SQL that computes them (the floor of a first "
        "request, after a write):\n"
    )
    print("| endpoint | req/s | floor (computing) queries | floor (computing) req/s | ratio |")
    print("|---|---|---|---|---|")
    for endpoint in computed:
        key = COMPUTED[endpoint.key]
        runs, floor_runs = results[endpoint.key], floors[key]
        rps = statistics.median(run.rps for run in runs)
        floor_rps = statistics.median(run.rps for run in floor_runs)
        ratio = statistics.median(run.rps / f.rps for run, f in zip(runs, floor_runs, strict=True))
        print(
            f"| {endpoint.label} | {rps:,.0f} | {query_counts[key]} | {floor_rps:,.0f} | "
            f"{ratio:.2f} |"
        )


def _print_table(
    endpoints: list[Endpoint],
    results: dict[str, list[AbResult]],
    floors: dict[str, list[AbResult]],
    query_counts: dict[str, int],
) -> None:
    load = os.getloadavg()
    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}; load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} on {os.cpu_count()} cores; concurrency {CONCURRENCY}, medians of "
        f"{len(next(iter(results.values())))} rounds\n"
    )
    print("| endpoint | req/s | p50 ms | p95 ms | queries | floor req/s | ratio | goal | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for endpoint in endpoints:
        runs, floor_runs = results[endpoint.key], floors[endpoint.key]
        rps = statistics.median(run.rps for run in runs)
        p50 = statistics.median(run.p50 for run in runs)
        p95 = statistics.median(run.p95 for run in runs)
        floor_rps = statistics.median(run.rps for run in floor_runs)
        ratio = statistics.median(run.rps / f.rps for run, f in zip(runs, floor_runs, strict=True))
        failed = sum(run.failed for run in runs)
        met = (
            rps >= endpoint.min_rps
            and ratio >= endpoint.min_ratio
            and (not endpoint.max_p50_ms or p50 <= endpoint.max_p50_ms)
            and not failed
        )
        print(
            f"| {endpoint.label} | {rps:,.0f} | {p50:.0f} | {p95:.0f} | "
            f"{query_counts[endpoint.key]} | {floor_rps:,.0f} | {ratio:.2f} | {endpoint.goal} | "
            f"{'yes' if met else 'NO'}{f' ({failed} failed)' if failed else ''} |"
        )
    _print_computed_table(endpoints, results, floors, query_counts)


if __name__ == "__main__":
    sys.exit(main())
