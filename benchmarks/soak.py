"""The fault soak: the real processes under load while their services fail, on a schedule.

    make soak            (or: .venv/bin/python -m benchmarks.soak [--minutes 8])

Not a test (it takes minutes). Everything is its own and on loopback: a PostgreSQL cluster made
with initdb in a temporary folder, a Redis server and an SMTP server (aiosmtpd, with fault
modes) on free ports, two web processes (gunicorn), two Celery workers and one beat. Editors
write through the API (PATCH with If-Match, progress notes) and through the web form; like a
browser, they do not reuse a keep-alive connection idle for more than 1 s (gunicorn closes one
idle for 2 s, and a request sent at that instant is reset unread: see CLIENT_IDLE_REUSE). A
simulated clock walks through seven days of reminders: every few seconds the soak queues the
scheduler's own task, ``reminders_scan(at=...)``, six simulated hours later than the last
(exactly what beat does at that moment; beat itself runs too, on the real clock). Faults, in
order: Redis stopped for 30 s; SMTP refusing connections, then answering 451 for a while; a
worker SIGKILLed while its email is in the SMTP server's hands; PostgreSQL restarted. Then the
soak lets the system drain, stops everything and prints one table:

- the date, and the load average at the start and at the end (the machine may be shared);
- updates attempted (writes sent) / acknowledged (2xx, or the form's redirect to the item) /
  recorded (found in the database afterwards, by their unique note) / lost (acknowledged, not
  recorded);
- reminders per notification row, i.e. per (recipient, item, kind, period), never per
  recipient: planned (rows, by kind) / cancelled before sending / delivered once / delivered
  twice or more / lost (never received). A row counts as received when a message accepted by
  the SMTP server for that row's recipient names it in ``X-Tracker-Notifications`` and links to
  its item; duplicate emails say whether they repeat the first one's Message-ID;
- every request without success, by what it came to (the status code, "no answer within 20 s",
  "connection refused", "connection dropped without an answer"), endpoint and fault window, with
  what the web process's access log says of it (each request carries an id); the slowest answer
  and the p50/p99 answer times;
- recovery time per fault (from the fault's end to the first success of what it broke);
- tracebacks in each process's log, PostgreSQL's lock waits and slow statements.
Every request is also written to ``requests.csv`` in the working folder, which is kept.

Targets: 0 acknowledged updates lost, 0 reminders lost, duplicate emails <= worker kills, no 5xx
and no request left without an answer outside the PostgreSQL restart (which lasts until the
first success after it). The exit status is 1 when a target is missed.

Clean-up: the soak stops what it started when it ends, on Ctrl-C, SIGTERM or SIGHUP; a watchdog
process started beside it does so even when the soak itself is SIGKILLed (it checks that each
process is still the soak's before stopping it). Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime
import email
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from benchmarks.soak_accounting import (
    Call,
    Received,
    Row,
    Window,
    failures_by_cause,
    failures_outside,
    notification_ids_of,
    reminder_accounting,
)

if TYPE_CHECKING:
    from email.message import Message

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "demo-tracker-2021"  # the demo accounts (recommendations/demo.py)
START = time.monotonic()
# How long an editor waits for an answer (per socket operation) before counting "no answer".
CLIENT_TIMEOUT = 20.0
# gunicorn closes a keep-alive connection idle for 2 s (its --keep-alive default). A client that
# sends on it at that moment gets a reset, with no request read by the server: the race every
# HTTP/1.1 client must avoid or retry (RFC 9112, 9.3.1). Like a browser, the editors do not reuse
# a connection idle for longer than this; they open a new one.
CLIENT_IDLE_REUSE = 1.0
OUTAGE = "PostgreSQL restarted"  # the one fault during which failed requests are allowed


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def message_text(message: Message) -> str:
    """The plain-text part of an email (where the links to the items are)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min, {os.cpu_count()} cores)"


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


# The services -------------------------------------------------------------------------------


class Smtp:
    """aiosmtpd on a fixed port, which the soak can stop (connection refused), switch to 451
    (greylisting) or slow down (so that a worker can be killed with a message in flight)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.slow = 0.0
        self.received: list[Received] = []
        self.in_data = threading.Event()
        self.peers: list[int] = []
        self.controller: Controller | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        smtp = self

        class Handler:
            async def handle_RCPT(
                self,
                server: SMTP,
                session: Session,
                envelope: Envelope,
                address: str,
                options: list[str],
            ) -> str:
                if smtp.mode == "451":
                    return "451 4.3.0 Greylisted, try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
                # A TCP peer is (host, port); aiosmtpd types it loosely.
                smtp.peers.append(session.peer[1])  # type: ignore[index,arg-type]
                smtp.in_data.set()
                assert isinstance(envelope.content, bytes)  # decode_data is off
                message = email.message_from_bytes(envelope.content)
                # The server has the message from here on. When it is slowed down, its "250" comes
                # only after the delay: a worker killed meanwhile never learns that the message
                # was taken, which is exactly the window in which a resend doubles it.
                with smtp.lock:
                    smtp.received.append(
                        Received(
                            when=time.monotonic(),
                            recipients=tuple(envelope.rcpt_tos),
                            message_id=message["Message-ID"] or "",
                            notification_ids=notification_ids_of(
                                message["X-Tracker-Notifications"]
                            ),
                            text=message_text(message),
                        )
                    )
                if smtp.slow:
                    await asyncio.sleep(smtp.slow)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def register(base: Path, kind: str, pid: int, marker: str) -> None:
    """Note a process the soak started, for the watchdog (``group``: its whole process group)."""
    with (base / "processes").open("a") as registry:
        registry.write(f"{kind} {pid} {marker}\n")


def _is_ours(pid: int, marker: str) -> bool:
    """Whether the process still is the one the soak started (a pid may have been reused)."""
    for name in ("cmdline", "environ"):
        with contextlib.suppress(OSError):
            if marker.encode() in Path(f"/proc/{pid}/{name}").read_bytes():
                return True
    return False


def cleanup_orphans(base: Path) -> list[str]:
    """Stop whatever the soak started and left running (it was killed, or crashed): the processes
    in its registry that are still its own, and its PostgreSQL cluster. Returns what was stopped."""
    stopped: list[str] = []
    registry = base / "processes"
    lines = registry.read_text().splitlines() if registry.exists() else []
    for line in lines:
        kind, pid_text, marker = line.split(" ", 2)
        pid = int(pid_text)
        if not _is_ours(pid, marker):
            continue
        with contextlib.suppress(ProcessLookupError):
            if kind == "group":
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            stopped.append(f"{kind} {pid}")
    if (base / "pg" / "postmaster.pid").exists():
        Postgres.stop_cluster(base / "pg")
        stopped.append("PostgreSQL")
    return stopped


def watchdog(parent: int, base: Path) -> None:
    """Wait for the soak to end, however it ends (even SIGKILL), then clean up after it."""
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            break
        time.sleep(1)
    stopped = cleanup_orphans(base)
    if stopped:
        print(f"watchdog: the soak left {', '.join(stopped)}; stopped", flush=True)


def start_watchdog(base: Path) -> None:
    with (base / "watchdog.log").open("ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.soak", "--watchdog", str(os.getpid()), str(base)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C to the soak's terminal does not reach it
        )


def _postgres_bin() -> Path:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return bins[-1]


def _as_postgres(*args: str) -> None:
    command = [str(_postgres_bin() / args[0]), *args[1:]]
    if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Postgres:
    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.data = base / "pg"
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        _postgres_bin()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def stop_cluster(data: Path) -> None:
        with contextlib.suppress(Exception):
            _as_postgres("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")

    def init(self) -> None:
        _as_postgres("initdb", "-D", str(self.data), "-U", "postgres", "--auth", "trust")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100 -c log_lock_waits=on -c deadlock_timeout=1s "
            "-c log_min_duration_statement=2000"
        )
        _as_postgres(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )

    def restart(self) -> None:
        _as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        self.stop_cluster(self.data)


class Redis:
    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.base = base
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        register(self.base, "pid", self.process.pid, f"127.0.0.1:{self.port}")
        wait_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that a kill takes its children
        )
        # Its environment names the soak's own folder (VAR_DIR), which the watchdog checks.
        register(self.logs, "group", process.pid, self.env["VAR_DIR"])
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.running):
            with contextlib.suppress(Exception):
                self.kill(name, signal.SIGTERM)


def manage(env: dict[str, str], *args: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    # Registered too, so that a soak killed while it loads the database leaves no command behind.
    register(Path(env["VAR_DIR"]).parent, "pid", process.pid, env["VAR_DIR"])
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, ["manage.py", *args])


# The run ----------------------------------------------------------------------------------


@dataclass
class Tally:
    attempted: int = 0
    acknowledged: int = 0
    notes: list[str] = field(default_factory=list)  # of acknowledged updates
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0
    recovered: float | None = None
    # Whether its recovery is the API's first success after it: then the requests answered
    # until that success count as the fault's, not only those while it was on.
    measured_on_api: bool = False

    def window(self) -> Window:
        end = self.ended or time.monotonic()
        if self.measured_on_api and self.recovered is not None:
            end += self.recovered
        return Window(self.name, self.started, end)


class Soak:
    def __init__(self, minutes: float) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
        os.chmod(self.base, 0o755)  # noqa: S103  (the postgres user must reach its data folder)
        self.minutes = minutes
        self.pg = Postgres(self.base)
        self.redis = Redis(self.base)
        self.smtp = Smtp()
        self.web_ports = [free_port(), free_port()]
        self.active: set[str] = set()
        self.faults: list[Fault] = []
        self.tally = Tally()
        self.stop = threading.Event()
        self.kills = 0
        self.last_api_success = 0.0
        self.calls: list[Call] = []
        self.last_use: dict[tuple[int, int], float] = {}
        self.lock = threading.Lock()
        self.load_before = load_average()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": self.pg.url,
            "CONN_MAX_AGE": "0",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp.port),
            "EMAIL_TIMEOUT": "10",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{self.web_ports[0]}",
            "VAR_DIR": str(self.base / "var"),
            "LOG_LEVEL": "WARNING",
            # A crashed send is retried within the soak's minutes, not the production ten.
            "NOTIFICATION_LEASE_SECONDS": "30",
            "NOTIFICATION_RETRY_MAX_DELAY": "60",
            "NOTIFICATION_MAX_ATTEMPTS": "40",
            "API_THROTTLE_USER": "100000/minute",
            "API_THROTTLE_ANON": "100000/minute",
            "SIGNIN_FREE_ATTEMPTS": "1000",
        }
        self.processes = Processes(self.env, self.base)

    # set-up ------------------------------------------------------------------------------

    def start_services(self) -> None:
        log(f"working folder {self.base}")
        self.pg.init()
        self.pg.start()
        self.redis.start()
        self.smtp.start()
        log(f"PostgreSQL :{self.pg.port}, Redis :{self.redis.port}, SMTP :{self.smtp.port}")
        for command in (
            ["migrate", "--no-input"],
            ["load_roundtable"],
            ["load_demo"],
            ["collectstatic", "--no-input"],
        ):
            manage(self.env, *command)
        log("database loaded")
        for index, port in enumerate(self.web_ports, 1):
            self.processes.start(
                f"web{index}",
                str(BIN / "gunicorn"),
                "tracker.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
                # Each request's id (sent by the soak's editors), status and duration in µs.
                "--access-logfile",
                str(self.base / f"web{index}-access.log"),
                "--access-logformat",
                "%({x-soak-request}i)s %(s)s %(D)s %(m)s %(U)s",
            )
        for index in (1, 2):
            self.start_worker(index)
        self.processes.start(
            "beat",
            str(BIN / "celery"),
            "-A",
            "tracker",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(self.base / "beat-schedule"),
        )
        for port in self.web_ports:
            wait_port(port)
        os.environ.update(self.env)
        import django

        django.setup()
        log("two web processes, two workers and beat are up")

    def start_worker(self, index: int) -> None:
        self.processes.start(
            f"worker{index}",
            str(BIN / "celery"),
            "-A",
            "tracker",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "1",
            "-n",
            f"soak{index}-{uuid.uuid4().hex[:6]}@%h",
        )

    # load ---------------------------------------------------------------------------------

    def call(
        self,
        session: requests.Session,
        method: str,
        port: int,
        path: str,
        endpoint: str,
        **options: Any,
    ) -> requests.Response | None:
        """One request, timed and kept with what it came to: its status, or why it got none.
        Each carries an id that the web processes write in their access log beside their own
        duration, so a request without an answer can be looked up on the server's side."""
        request_id = uuid.uuid4().hex[:12]
        headers = {**options.pop("headers", {}), "X-Soak-Request": request_id}
        idle_key = (id(session), port)
        if time.monotonic() - self.last_use.get(idle_key, 0.0) > CLIENT_IDLE_REUSE:
            session.close()  # its pooled connections; the next request opens a new one
        started = time.monotonic()
        response: requests.Response | None = None
        failure = ""
        try:
            response = session.request(
                method,
                f"http://127.0.0.1:{port}{path}",
                headers=headers,
                timeout=CLIENT_TIMEOUT,
                allow_redirects=False,
                **options,
            )
        except requests.ConnectTimeout:
            failure = f"no connection within {CLIENT_TIMEOUT:.0f} s"
        except requests.ReadTimeout:
            failure = f"no answer within {CLIENT_TIMEOUT:.0f} s"
        except requests.ConnectionError as error:
            text = str(error)
            if "Connection refused" in text:
                failure = "connection refused"
            else:
                reason = re.search(
                    r"(RemoteDisconnected|ConnectionResetError|BrokenPipeError)", text
                )
                failure = f"connection dropped without an answer ({reason.group(1) if reason else type(error).__name__})"
        except requests.RequestException as error:
            failure = f"request failed ({type(error).__name__})"
        duration = time.monotonic() - started
        self.last_use[idle_key] = time.monotonic()
        status = response.status_code if response is not None else None
        with self.lock:
            self.calls.append(Call(request_id, endpoint, started, duration, status, failure))
            if status is not None and status < 500:
                self.last_api_success = time.monotonic()
        return response

    def update_attempted(self, acknowledged: bool, note: str) -> None:
        with self.tally.lock:
            self.tally.attempted += 1
            if acknowledged:
                self.tally.acknowledged += 1
                self.tally.notes.append(note)

    def api_editor(self, index: int, token: str, items: list[int]) -> None:
        import random

        rng = random.Random(index)
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        item_path = "/api/v1/action-items/{id}/"
        while not self.stop.is_set():
            port = self.web_ports[rng.randrange(2)]
            item = rng.choice(items)
            path = item_path.format(id=item)
            note = f"soak-{uuid.uuid4().hex}"
            if rng.random() < 0.5:
                response = self.call(
                    session,
                    "POST",
                    port,
                    path + "updates/",
                    f"POST {item_path}updates/",
                    json={"note": note},
                )
                self.update_attempted(response is not None and response.status_code == 201, note)
            else:
                current = self.call(session, "GET", port, path, f"GET {item_path}")
                if current is not None and current.status_code == 200:
                    body: dict[str, Any] = {"percent_complete": rng.randrange(0, 99), "note": note}
                    response = self.call(
                        session,
                        "PATCH",
                        port,
                        path,
                        f"PATCH {item_path}",
                        json=body,
                        headers={"If-Match": current.headers["ETag"]},
                    )
                    self.update_attempted(
                        response is not None and response.status_code == 200, note
                    )
            time.sleep(0.15)

    def web_editor(self, items: list[int]) -> None:
        import random

        rng = random.Random(99)
        session = requests.Session()
        port = self.web_ports[1]
        base = f"http://127.0.0.1:{port}"
        signed_in = False
        csrf_field = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
        while not self.stop.is_set():
            note = f"soak-web-{uuid.uuid4().hex}"
            if not signed_in:
                page = self.call(session, "GET", port, "/accounts/login/", "GET /accounts/login/")
                token = csrf_field.search(page.text) if page is not None else None
                response = self.call(
                    session,
                    "POST",
                    port,
                    "/accounts/login/",
                    "POST /accounts/login/",
                    data={
                        "username": "coordinator",
                        "password": PASSWORD,
                        "csrfmiddlewaretoken": token.group(1) if token else "",
                    },
                    headers={"Referer": f"{base}/accounts/login/"},
                )
                signed_in = response is not None and response.status_code == 302
                if not signed_in:
                    time.sleep(1)
                continue
            item = rng.choice(items)
            page = self.call(session, "GET", port, f"/items/{item}/", "GET /items/{id}/")
            if page is None or page.status_code != 200:
                signed_in = page is None or page.status_code not in (302, 403)
                time.sleep(0.3)
                continue
            csrf = csrf_field.search(page.text)
            version = re.search(r'name="progress-version" value="(\d+)"', page.text)
            status_now = re.search(
                r'<select name="progress-status"[^>]*>.*?<option value="(\w+)"[^>]*selected',
                page.text,
                re.S,
            )
            if not (csrf and version):
                time.sleep(0.3)
                continue
            response = self.call(
                session,
                "POST",
                port,
                f"/items/{item}/progress/",
                "POST /items/{id}/progress/",
                data={
                    "csrfmiddlewaretoken": csrf.group(1),
                    "progress-version": version.group(1),
                    "progress-status": status_now.group(1) if status_now else "in_progress",
                    "progress-percent_complete": str(rng.randrange(0, 99)),
                    "progress-note": note,
                },
                headers={"Referer": f"{base}/items/{item}/"},
            )
            # Acknowledged: the redirect back to the item's page (a sign-in redirect is not).
            acknowledged = (
                response is not None
                and response.status_code == 302
                and f"/items/{item}/" in response.headers.get("Location", "")
            )
            self.update_attempted(acknowledged, note)
            time.sleep(0.3)

    def clock(self, steps: int, interval: float) -> None:
        from notifications.tasks import notifications_retry_pending, reminders_scan

        moment = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
        moment = moment.replace(hour=12)  # after the day's send hour, in any Canadian zone
        step = 0
        last_retry = 0.0
        while step < steps and not self.stop.is_set():
            at = moment + datetime.timedelta(hours=6 * step)
            try:
                reminders_scan.apply_async(kwargs={"at": at.isoformat()}, retry=False)
                step += 1
            except Exception as error:  # the broker is down: the next attempt catches up
                log(f"clock: scan for {at:%Y-%m-%d %H:%M} not queued ({type(error).__name__})")
            if time.monotonic() - last_retry > 10:
                with contextlib.suppress(Exception):
                    notifications_retry_pending.apply_async(retry=False)
                last_retry = time.monotonic()
            self.stop.wait(interval)
        log(
            f"clock: {step} scans queued, through {moment + datetime.timedelta(hours=6 * (step - 1)):%Y-%m-%d %H:%M} UTC"
        )

    # faults -------------------------------------------------------------------------------

    def begin(self, name: str, *, measured_on_api: bool = False) -> Fault:
        fault = Fault(name, started=time.monotonic(), measured_on_api=measured_on_api)
        self.faults.append(fault)
        self.active.add(name)
        log(f"fault: {name}")
        return fault

    def end(self, fault: Fault) -> None:
        fault.ended = time.monotonic()
        self.active.discard(fault.name)
        log(f"fault over: {fault.name}")

    def wait_api_recovery(self, fault: Fault, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.last_api_success > fault.ended:
                fault.recovered = self.last_api_success - fault.ended
                return
            time.sleep(0.2)

    def wait_mail_recovery(self, fault: Fault, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.smtp.lock:
                after = [m.when for m in self.smtp.received if m.when > fault.ended]
            if after:
                fault.recovered = min(after) - fault.ended
                return
            time.sleep(0.5)

    def faults_schedule(self) -> None:
        self.stop.wait(40)
        fault = self.begin("Redis stopped 30 s", measured_on_api=True)
        self.redis.stop()
        self.stop.wait(30)
        self.redis.start()
        self.end(fault)
        self.wait_api_recovery(fault)

        self.stop.wait(15)
        refused = self.begin("SMTP refusing connections 25 s")
        self.smtp.stop()
        self.stop.wait(25)
        self.smtp.start()
        self.end(refused)
        fault = self.begin("SMTP answering 451 for 40 s")
        self.smtp.mode = "451"
        self.stop.wait(40)
        self.smtp.mode = "ok"
        self.end(fault)
        self.wait_mail_recovery(fault)
        # The refusal is followed at once by the 451s: mail flows again only after both.
        if fault.recovered is not None:
            refused.recovered = fault.ended + fault.recovered - refused.ended

        self.stop.wait(10)
        fault = self.begin("worker SIGKILLed mid-send")
        self.smtp.slow = 4.0
        self.smtp.in_data.clear()
        if self.smtp.in_data.wait(120):
            victim = self.sender_worker() or "worker1"
            self.processes.kill(victim)
            self.kills += 1
            log(f"fault: {victim} killed with a message in the SMTP server's hands")
            self.smtp.slow = 0.0
            self.start_worker(int(victim[-1]))
        else:
            log("fault: no send to interrupt within 120 s; no worker killed")
            self.smtp.slow = 0.0
        self.end(fault)
        self.wait_mail_recovery(fault)

        self.stop.wait(10)
        fault = self.begin(OUTAGE, measured_on_api=True)
        self.pg.restart()
        fault.ended = time.monotonic()
        log("fault: PostgreSQL is back")
        # Answers count as the outage's until the first success after it.
        self.wait_api_recovery(fault)
        self.end_keep_time(fault)

    def end_keep_time(self, fault: Fault) -> None:
        self.active.discard(fault.name)
        log(f"fault over: {fault.name}")

    def sender_worker(self) -> str | None:
        """The worker whose process group holds the connection to the SMTP server now."""
        for name, process in list(self.processes.running.items()):
            if not name.startswith("worker"):
                continue
            pids = {process.pid}
            with contextlib.suppress(Exception):
                children = subprocess.run(
                    ["pgrep", "-g", str(process.pid)], capture_output=True, text=True
                ).stdout.split()
                pids.update(int(pid) for pid in children)
            for pid in pids:
                with contextlib.suppress(Exception):
                    for fd in Path(f"/proc/{pid}/fd").iterdir():
                        target = os.readlink(fd)
                        if target.startswith("socket:"):
                            inode = target[8:-1]
                            if self._socket_to_smtp(inode):
                                return name
        return None

    def _socket_to_smtp(self, inode: str) -> bool:
        port_hex = f"{self.smtp.port:04X}"
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError), open(table) as lines:
                for line in lines.readlines()[1:]:
                    parts = line.split()
                    if parts[9] == inode and parts[2].endswith(":" + port_hex):
                        return True
        return False

    # the end ------------------------------------------------------------------------------

    def drain(self, timeout: float = 240) -> None:
        from django.db import close_old_connections

        from notifications.models import Notification
        from notifications.tasks import notifications_retry_pending

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            close_old_connections()
            with contextlib.suppress(Exception):
                notifications_retry_pending.apply_async(retry=False)
            with contextlib.suppress(Exception):
                if not Notification.objects.filter(state__in=["pending", "sending"]).exists():
                    failed = Notification.objects.filter(state="failed").count()
                    log(f"drain: nothing left to send ({failed} marked failed)")
                    return
            time.sleep(5)
        log("drain: time is up")

    def server_side(self) -> dict[str, tuple[int, float]]:
        """What the web processes logged for each request id: its status and duration (s)."""
        seen: dict[str, tuple[int, float]] = {}
        for path in sorted(self.base.glob("web*-access.log")):
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split()
                if len(parts) >= 3 and parts[1].isdigit() and parts[2].isdigit():
                    seen[parts[0]] = (int(parts[1]), int(parts[2]) / 1e6)
        return seen

    def log_findings(self) -> list[tuple[str, object]]:
        """Counts from the processes' own logs that explain failures: tracebacks, gunicorn's
        worker time-outs, PostgreSQL's lock waits (over 1 s) and slow statements (over 2 s)."""
        findings: list[tuple[str, object]] = []
        for path in sorted(self.base.glob("*.log")):
            if path.name.endswith("-access.log") or path.name == "watchdog.log":
                continue
            text = path.read_text(errors="replace")
            tracebacks = text.count("Traceback (most recent call last)")
            timeouts = text.count("WORKER TIMEOUT")
            if tracebacks or timeouts:
                findings.append(
                    (
                        f"log {path.name}: tracebacks / worker time-outs",
                        f"{tracebacks} / {timeouts}",
                    )
                )
        pg_log = self.pg.data / "log"
        if pg_log.exists():
            text = pg_log.read_text(errors="replace")
            findings.append(
                (
                    "PostgreSQL: lock waits over 1 s / statements over 2 s",
                    f"{text.count('still waiting for')} / {text.count('duration: ')}",
                )
            )
        return findings

    def report(self) -> bool:
        from django.db import close_old_connections

        from notifications.models import Notification
        from recommendations.models import ProgressUpdate

        close_old_connections()
        recorded_notes = set(
            ProgressUpdate.objects.filter(note__startswith="soak-").values_list("note", flat=True)
        )
        acknowledged = set(self.tally.notes)
        lost_updates = len(acknowledged - recorded_notes)
        rows = [
            Row(
                id=row["id"],
                recipient=row["recipient__email"],
                item_id=row["action_item_id"],
                kind=row["kind"],
                period=row["period"],
                state=row["state"],
            )
            for row in Notification.objects.values(
                "id", "recipient__email", "action_item_id", "kind", "period", "state"
            )
        ]
        with self.smtp.lock:
            received = list(self.smtp.received)
        reminders = reminder_accounting(rows, received)

        windows = [fault.window() for fault in self.faults]
        with self.lock:
            calls = list(self.calls)
        answered = sorted(
            (call for call in calls if call.status is not None), key=lambda c: c.duration
        )
        with (self.base / "requests.csv").open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(
                ["request_id", "endpoint", "started_s", "duration_s", "status", "failure"]
            )
            for c in calls:
                writer.writerow(
                    [
                        c.request_id,
                        c.endpoint,
                        f"{c.started - START:.3f}",
                        f"{c.duration:.3f}",
                        c.status or "",
                        c.failure,
                    ]
                )
        failures = failures_by_cause(calls, windows)
        failed_outside = failures_outside(calls, windows, OUTAGE)
        server = self.server_side()

        def percentile(share: float) -> str:
            if not answered:
                return "-"
            return f"{answered[min(len(answered) - 1, int(share * len(answered)))].duration:.2f} s"

        kinds = ", ".join(f"{kind} {count}" for kind, count in reminders.by_kind.items())
        lost_states = ", ".join(f"{state} {n}" for state, n in reminders.lost_by_state.items())
        lines: list[tuple[str, object]] = [
            (
                "date (UTC) / minutes of load",
                f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} / {self.minutes:g}",
            ),
            ("load average at the start", self.load_before),
            ("load average at the end", load_average()),
            ("updates attempted (writes sent)", self.tally.attempted),
            ("updates acknowledged (201/200, or the form's redirect)", len(acknowledged)),
            (
                "updates recorded (acknowledged, found afterwards)",
                len(acknowledged & recorded_notes),
            ),
            ("updates lost (acknowledged, not recorded)", lost_updates),
            ("reminders planned (notification rows)", f"{reminders.planned} ({kinds})"),
            ("reminders cancelled before sending (item closed)", reminders.cancelled),
            ("reminders delivered once", reminders.delivered_once),
            ("reminders delivered twice or more", reminders.duplicated),
            (
                "duplicate emails (repeating a delivered reminder) / same Message-ID",
                f"{reminders.duplicate_messages} / {reminders.duplicates_same_message_id}",
            ),
            (
                "reminders lost (not cancelled, never received)",
                f"{reminders.lost}{f' ({lost_states})' if lost_states else ''}",
            ),
            ("reminders received but not marked sent", reminders.unrecorded),
            (
                "emails received / naming a wrong recipient or item",
                f"{reminders.messages} / {reminders.mismatched}",
            ),
            ("worker kills", self.kills),
            ("requests sent / answered", f"{len(calls)} / {len(answered)}"),
            ("answer time p50 / p99", f"{percentile(0.5)} / {percentile(0.99)}"),
        ]
        if answered:
            slowest = answered[-1]
            where = (
                " + ".join(
                    w.name
                    for w in windows
                    if slowest.started <= w.end and slowest.started + slowest.duration >= w.start
                )
                or "no fault"
            )
            lines.append(
                (
                    "slowest answer",
                    f"{slowest.duration:.1f} s, {slowest.status} {slowest.endpoint}, during {where}",
                )
            )
        if not failures:
            lines.append(("5xx or no answer", 0))
        for group in failures:
            explained = []
            for request_id in group.request_ids[:3]:
                if group.outcome.isdigit():
                    break
                found = server.get(request_id)
                explained.append(
                    f"server answered {found[0]} after {found[1]:.1f} s"
                    if found
                    else "server logged no answer"
                )
            detail = f"; {', '.join(explained)}" if explained else ""
            lines.append(
                (
                    f"{group.outcome}: {group.endpoint}, during {group.window}",
                    f"{group.count} (slowest {group.slowest:.1f} s{detail})",
                )
            )
        lines.append(("5xx or no answer outside the PostgreSQL restart", failed_outside))
        for fault in self.faults:
            recovery = f"{fault.recovered:.1f} s" if fault.recovered is not None else "not seen"
            lines.append((f"recovery after: {fault.name}", recovery))
        lines.extend(self.log_findings())
        width = max(len(label) for label, _ in lines)
        print()
        print(f"{'measure':<{width}}  value")
        print(f"{'-' * width}  -----")
        for label, value in lines:
            print(f"{label:<{width}}  {value}")
        missed = [
            name
            for name, ok in (
                ("an acknowledged update was lost", lost_updates == 0),
                ("a reminder was lost", reminders.lost == 0),
                (
                    "more duplicate emails than worker kills",
                    reminders.duplicate_messages <= self.kills,
                ),
                ("an email named a reminder of someone else", reminders.mismatched == 0),
                ("5xx or no answer outside the PostgreSQL restart", failed_outside == 0),
            )
            if not ok
        ]
        print()
        print("targets met" if not missed else f"TARGETS MISSED: {'; '.join(missed)}")
        return not missed

    def run(self) -> int:
        start_watchdog(self.base)
        try:
            self.start_services()
            session = requests.Session()
            base = f"http://127.0.0.1:{self.web_ports[0]}"
            token = session.post(
                f"{base}/api/v1/auth/token/",
                json={"username": "coordinator", "password": PASSWORD},
                timeout=30,
            ).json()["token"]
            listing = session.get(
                f"{base}/api/v1/action-items/?page_size=40&status=in_progress",
                headers={"Authorization": f"Token {token}"},
                timeout=30,
            ).json()["results"]
            items = [row["id"] for row in listing] or [1]
            log(f"{len(items)} items edited by three API editors and one web editor")
            threads = [
                threading.Thread(target=self.api_editor, args=(n, token, items), daemon=True)
                for n in range(3)
            ]
            threads.append(threading.Thread(target=self.web_editor, args=(items,), daemon=True))
            duration = self.minutes * 60
            threads.append(
                threading.Thread(target=self.clock, args=(28, duration / 30), daemon=True)
            )
            load_start = time.monotonic()
            for thread in threads:
                thread.start()
            faults = threading.Thread(target=self.faults_schedule, daemon=True)
            faults.start()
            faults.join(timeout=duration + 300)
            threads[-1].join(timeout=max(0.0, duration + 120 - (time.monotonic() - load_start)))
            remaining = duration - (time.monotonic() - load_start)
            if remaining > 0:
                self.stop.wait(remaining)
            self.stop.set()
            for thread in threads:
                thread.join(timeout=30)
            log("load stopped; draining")
            self.drain()
            return 0 if self.report() else 1
        finally:
            # Each step on its own, so that one failing does not leave the others running (and
            # the watchdog catches whatever is left should the soak itself be killed).
            self.stop.set()
            for step in (self.processes.stop_all, self.smtp.stop, self.redis.stop, self.pg.stop):
                try:
                    step()
                except Exception as error:
                    log(f"clean-up: {step.__qualname__} failed ({error!r})")
            log(f"stopped; logs kept in {self.base}")


def _interrupted(signum: int, _frame: object) -> None:
    # SIGTERM and SIGHUP (a `timeout`, a closed terminal) clean up like Ctrl-C does.
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=6.0, help="load phase (default 6)")
    parser.add_argument("--watchdog", nargs=2, metavar=("PID", "FOLDER"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.watchdog:
        watchdog(int(arguments.watchdog[0]), Path(arguments.watchdog[1]))
        return
    if arguments.minutes > 10:
        parser.error("at most 10 minutes of load: the whole soak must stay under 15")
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGHUP, _interrupted)
    sys.exit(Soak(arguments.minutes).run())


if __name__ == "__main__":
    main()
