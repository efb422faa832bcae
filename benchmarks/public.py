"""Benchmark (not a test): the public overview served from the cache by gunicorn with 2 workers,
against a bare static file through the same stack (the floor).

    make benchmark-public                               # throwaway SQLite file, file cache
    REDIS_URL=redis://127.0.0.1:6379/6 make benchmark-public      # the cache in Redis
    DATABASE_URL=postgres://.../bench_reports make benchmark-public   # the reports benchmark's
                                                        # 100,000 items (publishes every recommendation)

It migrates a throwaway database (unless DATABASE_URL is given), loads the roundtable and
publishes every recommendation, starts gunicorn (DEBUG=0, whitenoise, the rate limit on but set
high so that its counter is part of the cost), warms the cache with one request per page, then
runs ApacheBench (``ab``, keep-alive off like gunicorn's sync workers) or, where ``ab`` is
missing, a Python client with as many threads, and prints requests per second for each address.
A cached page costs no SQL query (tests/public), so its rate does not depend on the data size.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL
    )


def _publish_everything(env: dict[str, str]) -> None:
    code = (
        "from recommendations.models import Recommendation;"
        "Recommendation.objects.update(published=True)"  # a benchmark fixture, not a workflow
    )
    subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=REPO, env=env, check=True)


def _wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url}")


def _ab(url: str, requests: int, concurrency: int) -> float:
    output = subprocess.run(
        ["ab", "-q", "-n", str(requests), "-c", str(concurrency), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
    if failed or non_2xx:
        raise SystemExit(f"{url}: {failed} failed, {non_2xx.group(1) if non_2xx else 0} non-2xx")
    return float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]


def _python_client(url: str, requests: int, concurrency: int) -> float:
    counts = [0] * concurrency
    per_thread = requests // concurrency

    def worker(index: int) -> None:
        for _ in range(per_thread):
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                response.read()
                counts[index] += response.status == 200

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_public_"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "PUBLIC_RATE_LIMIT": "100000000",
        "SESSION_COOKIE_SECURE": "0",
    }
    own_database = "DATABASE_URL" not in os.environ
    if own_database:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    _manage(env, "migrate", "--no-input")
    _manage(env, "collectstatic", "--no-input")
    if own_database:
        _manage(env, "load_roundtable")
    _publish_everything(env)

    port = _free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "tracker.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base + "/public/", time.monotonic() + 60)
        static = base + "/static/css/print.css"
        targets = [
            ("static file (floor)", static),
            ("public overview, cached", base + "/public/"),
            ("public overview (fr), cached", base + "/public/fr/"),
            ("open data JSON, cached", base + "/public/data/action-items.json"),
        ]
        for _label, url in targets:  # warm: every worker renders once, then serves the cache
            for _ in range(4):
                urllib.request.urlopen(url, timeout=30).read()  # noqa: S310
        measure = _ab if shutil.which("ab") else _python_client
        cache = "Redis" if os.environ.get("REDIS_URL") else "file cache"
        print(
            f"gunicorn, 2 sync workers; {cache}; {args.requests} requests, {args.concurrency} concurrent; client: {measure.__name__.strip('_')}"
        )
        for label, url in targets:
            rate = measure(url, args.requests, args.concurrency)
            print(f"  {label:32} {rate:8.0f} req/s")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
