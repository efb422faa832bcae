"""The fault soak: the real processes under load while their services fail, on a schedule.

    make soak            (or: .venv/bin/python -m benchmarks.soak [--minutes 8])

Not a test (it takes minutes). Everything is its own and on loopback: a PostgreSQL cluster made
with initdb in a temporary folder, a Redis server and an SMTP server (aiosmtpd, with fault
modes) on free ports, two web processes (gunicorn), two Celery workers and one beat. Editors
write through the API (PATCH with If-Match, progress notes) and through the web form. A
simulated clock walks through seven days of reminders: every few seconds the soak queues the
scheduler's own task, ``reminders_scan(at=...)``, six simulated hours later than the last
(exactly what beat does at that moment; beat itself runs too, on the real clock). Faults, in
order: Redis stopped for 30 s; SMTP refusing connections, then answering 451 for a while; a
worker SIGKILLed while its email is in the SMTP server's hands; PostgreSQL restarted. Then the
soak lets the system drain, stops everything and prints one table:

- updates attempted / acknowledged (2xx, or the form's redirect) / recorded (found in the
  database afterwards, by their unique note) / lost (acknowledged, not recorded);
- reminders planned (notification rows) / delivered once / duplicated / lost (not sent after
  the drain, or marked sent while their recipient received nothing);
- 5xx answers by cause (the fault active at that moment);
- recovery time per fault (from the fault's end to the first success of what it broke).

Targets: 0 acknowledged updates lost, 0 reminders lost, duplicates <= worker kills, 0 5xx
outside the database outage. The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
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

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "demo-tracker-2021"  # the demo accounts (recommendations/demo.py)
START = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
        self.received: list[tuple[float, tuple[str, ...], str]] = []
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
                if smtp.slow:
                    await asyncio.sleep(smtp.slow)
                assert isinstance(envelope.content, bytes)  # decode_data is off
                message = email.message_from_bytes(envelope.content)
                with smtp.lock:
                    smtp.received.append(
                        (time.monotonic(), tuple(envelope.rcpt_tos), message["Message-ID"] or "")
                    )
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Postgres:
    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.data = base / "pg"
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        self._as_postgres("initdb", "-D", str(self.data), "-U", "postgres", "--auth", "trust")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100"
        )
        self._as_postgres(
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
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
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
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# The run ----------------------------------------------------------------------------------


@dataclass
class Tally:
    attempted: int = 0
    acknowledged: int = 0
    notes: list[str] = field(default_factory=list)  # of acknowledged updates
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0
    recovered: float | None = None


class Soak:
    def __init__(self, minutes: float) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
        os.chmod(self.base, 0o755)  # noqa: S103  (the postgres user must reach its data folder)
        self.minutes = minutes
        self.pg = Postgres(self.base)
        self.redis = Redis()
        self.smtp = Smtp()
        self.web_ports = [free_port(), free_port()]
        self.active: set[str] = set()
        self.faults: list[Fault] = []
        self.tally = Tally()
        self.stop = threading.Event()
        self.kills = 0
        self.last_api_success = 0.0
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

    def cause(self) -> str:
        return "+".join(sorted(self.active)) or "no fault"

    def record(self, ok: bool, status: int, note: str | None) -> None:
        with self.tally.lock:
            self.tally.attempted += 1
            if ok:
                self.tally.acknowledged += 1
                if note:
                    self.tally.notes.append(note)
                self.last_api_success = time.monotonic()
            if status >= 500 or status == 0:
                self.tally.errors[f"{status or 'no answer'} during {self.cause()}"] += 1

    def api_editor(self, index: int, token: str, items: list[int]) -> None:
        import random

        rng = random.Random(index)
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not self.stop.is_set():
            port = self.web_ports[rng.randrange(2)]
            item = rng.choice(items)
            url = f"http://127.0.0.1:{port}/api/v1/action-items/{item}/"
            note = f"soak-{uuid.uuid4().hex}"
            status = 0
            try:
                if rng.random() < 0.5:
                    response = session.post(url + "updates/", json={"note": note}, timeout=20)
                    status = response.status_code
                    self.record(status == 201, status, note)
                else:
                    current = session.get(url, timeout=20)
                    if current.status_code != 200:
                        self.record(False, current.status_code, None)
                        continue
                    body: dict[str, Any] = {"percent_complete": rng.randrange(0, 99), "note": note}
                    response = session.patch(
                        url, json=body, headers={"If-Match": current.headers["ETag"]}, timeout=20
                    )
                    status = response.status_code
                    self.record(status == 200, status, note)
            except requests.RequestException:
                self.record(False, 0, None)
            time.sleep(0.15)

    def web_editor(self, items: list[int]) -> None:
        import random

        rng = random.Random(99)
        session = requests.Session()
        base = f"http://127.0.0.1:{self.web_ports[1]}"
        signed_in = False
        while not self.stop.is_set():
            note = f"soak-web-{uuid.uuid4().hex}"
            status = 0
            try:
                if not signed_in:
                    page = session.get(f"{base}/accounts/login/", timeout=20)
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                    response = session.post(
                        f"{base}/accounts/login/",
                        data={
                            "username": "coordinator",
                            "password": PASSWORD,
                            "csrfmiddlewaretoken": token.group(1) if token else "",
                        },
                        headers={"Referer": f"{base}/accounts/login/"},
                        allow_redirects=False,
                        timeout=20,
                    )
                    signed_in = response.status_code == 302
                    if not signed_in:
                        self.record(False, response.status_code, None)
                        time.sleep(1)
                    continue
                item = rng.choice(items)
                page = session.get(f"{base}/items/{item}/", timeout=20)
                if page.status_code != 200:
                    self.record(False, page.status_code, None)
                    signed_in = page.status_code not in (302, 403)
                    continue
                csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                version = re.search(r'name="progress-version" value="(\d+)"', page.text)
                status_now = re.search(
                    r'<select name="progress-status"[^>]*>.*?<option value="(\w+)"[^>]*selected',
                    page.text,
                    re.S,
                )
                if not (csrf and version):
                    self.record(False, page.status_code, None)
                    continue
                response = session.post(
                    f"{base}/items/{item}/progress/",
                    data={
                        "csrfmiddlewaretoken": csrf.group(1),
                        "progress-version": version.group(1),
                        "progress-status": status_now.group(1) if status_now else "in_progress",
                        "progress-percent_complete": str(rng.randrange(0, 99)),
                        "progress-note": note,
                    },
                    headers={"Referer": f"{base}/items/{item}/"},
                    allow_redirects=False,
                    timeout=20,
                )
                status = response.status_code
                self.record(status == 302, status, note)
            except requests.RequestException:
                self.record(False, 0, None)
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

    def begin(self, name: str) -> Fault:
        fault = Fault(name, started=time.monotonic())
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
                after = [when for when, _r, _m in self.smtp.received if when > fault.ended]
            if after:
                fault.recovered = min(after) - fault.ended
                return
            time.sleep(0.5)

    def faults_schedule(self) -> None:
        self.stop.wait(40)
        fault = self.begin("Redis stopped 30 s")
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
        fault = self.begin("PostgreSQL restarted")
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
                if not Notification.objects.exclude(state__in=["sent", "failed"]).exists():
                    failed = Notification.objects.filter(state="failed").count()
                    log(f"drain: nothing left to send ({failed} marked failed)")
                    return
            time.sleep(5)
        log("drain: time is up")

    def report(self) -> bool:
        from django.db import close_old_connections

        from agencies.models import User
        from notifications.models import Notification
        from recommendations.models import ProgressUpdate

        close_old_connections()
        recorded_notes = set(
            ProgressUpdate.objects.filter(note__startswith="soak-").values_list("note", flat=True)
        )
        acknowledged = set(self.tally.notes)
        lost_updates = len(acknowledged - recorded_notes)
        rows = list(Notification.objects.values("id", "state", "recipient_id"))
        planned = len(rows)
        not_sent = sum(1 for row in rows if row["state"] != "sent")
        emails = dict(User.objects.values_list("id", "email"))
        with self.smtp.lock:
            received = list(self.smtp.received)
        copies = collections.Counter(message_id for _w, _r, message_id in received)
        duplicates = sum(count - 1 for count in copies.values() if count > 1)
        reached = {address for _w, recipients, _m in received for address in recipients}
        sent_unreached = sum(
            1
            for row in rows
            if row["state"] == "sent" and emails.get(row["recipient_id"]) not in reached
        )
        lost_reminders = not_sent + sent_unreached
        duplicated_rows = duplicates  # one email per duplicate; at most one per kill is allowed
        delivered_once = planned - lost_reminders
        five_xx_outside = sum(
            count for cause, count in self.tally.errors.items() if "PostgreSQL" not in cause
        )

        lines = [
            ("updates attempted", self.tally.attempted),
            ("updates acknowledged", len(acknowledged)),
            (
                "updates recorded (acknowledged, found afterwards)",
                len(acknowledged & recorded_notes),
            ),
            ("updates lost (acknowledged, not recorded)", lost_updates),
            ("reminders planned (notification rows)", planned),
            ("reminders delivered", delivered_once),
            ("emails received / distinct Message-IDs", f"{len(received)} / {len(copies)}"),
            ("reminder emails duplicated (same Message-ID twice)", duplicated_rows),
            ("reminders lost (not sent, or sent to no one)", lost_reminders),
            ("worker kills", self.kills),
        ]
        for cause, count in sorted(self.tally.errors.items()):
            lines.append((f"5xx / no answer: {cause}", count))
        if not self.tally.errors:
            lines.append(("5xx", 0))
        for fault in self.faults:
            recovery = f"{fault.recovered:.1f} s" if fault.recovered is not None else "not seen"
            lines.append((f"recovery after: {fault.name}", recovery))
        width = max(len(label) for label, _ in lines)
        print()
        print(f"{'measure':<{width}}  value")
        print(f"{'-' * width}  -----")
        for label, value in lines:
            print(f"{label:<{width}}  {value}")
        met = (
            lost_updates == 0
            and lost_reminders == 0
            and duplicated_rows <= self.kills
            and five_xx_outside == 0
        )
        print()
        print("targets met" if met else "TARGETS MISSED")
        return met

    def run(self) -> int:
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
            self.stop.set()
            self.processes.stop_all()
            self.smtp.stop()
            self.redis.stop()
            self.pg.stop()
            log(f"stopped; logs kept in {self.base}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=6.0, help="load phase (default 6)")
    arguments = parser.parse_args()
    if arguments.minutes > 10:
        parser.error("at most 10 minutes of load: the whole soak must stay under 15")
    sys.exit(Soak(arguments.minutes).run())


if __name__ == "__main__":
    main()
