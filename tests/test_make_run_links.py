"""`make run` end to end: the Procfile's processes (web, worker, beat under honcho) on a chosen
port, with a throwaway var/ folder. An email caused through the API and one caused by the reminder
scan are written by the worker; every link in them (item, preferences, one-click unsubscribe, the
List-Unsubscribe header) is followed over HTTP to the web process and lands on a page, in the
recipient's language. Loopback only, every wait bounded."""

import datetime
import email
import email.policy
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.integration]

REPO = Path(__file__).resolve().parent.parent
# Variables of the developer's or CI's environment that would point the processes elsewhere.
FOREIGN = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "DJANGO_SETTINGS_MODULE",
    "SITE_URL",
    "DEBUG",
    "PORT",
    "MAKEFLAGS",
    "MAKELEVEL",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    return {**env, "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", **extra}


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    pytest.fail(f"nothing served {url} within 300 s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port = free_port()
    var_dir = tmp_path / "var"
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}", f"PYTHON={sys.executable}"],
            cwd=REPO,
            env=clean_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the teardown stops all of it
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{base}/accounts/login/", process, log)
        yield base, var_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def api(base: str, method: str, path: str, body: dict | None = None, **headers: str) -> tuple:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"null"), response.headers


def emails_in(mail_dir: Path, *, at_least: int, having: str) -> list[EmailMessage]:
    deadline = time.monotonic() + 120
    found: list[EmailMessage] = []
    while time.monotonic() < deadline:
        found = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(mail_dir.glob("*.eml"))
        ]
        if len([m for m in found if having in str(m["Subject"])]) >= at_least:
            return found
        time.sleep(1)
    pytest.fail(f"no email with {having!r} in its subject within 120 s ({len(found)} written)")


def bodies(message: EmailMessage) -> str:
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


def follow(url: str, *, data: bytes | None = None) -> tuple[int, str]:
    """Open ``url`` as a recipient who is not signed in, following redirects."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(url, data=data, timeout=30) as response:
        return response.status, response.read().decode()


def reminder_moment() -> str:
    """A moment in the past after the day's send hour, when the demo's overdue items are due."""
    zone = ZoneInfo("America/Toronto")
    now = datetime.datetime.now(zone)
    moment = now.replace(hour=9, minute=0, second=0, microsecond=0)
    if moment > now:
        moment -= datetime.timedelta(days=1)
    return moment.isoformat()


def test_every_link_in_the_emails_of_make_run_leads_to_the_web_process(make_run):
    base, var_dir = make_run
    mail_dir = var_dir / "mail"

    # An assignment through the API (the web process queues it, the worker writes it).
    token = api(
        base,
        "POST",
        "/api/v1/auth/token/",
        {"username": "rcmp.manager", "password": "demo-tracker-2021"},
    )[0]["token"]
    auth = {"Authorization": f"Token {token}"}
    items = api(base, "GET", "/api/v1/action-items/?agency=RCMP&page_size=200", **auth)[0]
    item = next(
        i
        for i in items["results"]
        if i["assignee"] != "rcmp.staff" and i["status"] not in {"completed", "cancelled"}
    )
    _, headers = api(base, "GET", f"/api/v1/action-items/{item['id']}/", **auth)
    api(
        base,
        "PATCH",
        f"/api/v1/action-items/{item['id']}/",
        {"assignee": "rcmp.staff"},
        **auth,
        **{"If-Match": headers["ETag"]},
    )
    # The reminder scan, run by an operator whose shell has another PORT (as honcho gives the
    # worker): the links must still be the web's address.
    scan = subprocess.run(
        [str(REPO / ".venv/bin/python"), "manage.py", "run_reminders", "--at", reminder_moment()],
        cwd=REPO,
        env=clean_env(var_dir, PORT="8100"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert scan.returncode == 0, scan.stderr

    messages = emails_in(mail_dir, at_least=1, having=item["recommendation"])
    messages = emails_in(mail_dir, at_least=2, having="")  # the reminders too
    assigned = [m for m in messages if item["title"] in str(m["Subject"])]
    assert assigned, [str(m["Subject"]) for m in messages]
    with_unsubscribe = [m for m in messages if m["List-Unsubscribe"]]
    assert with_unsubscribe, "the reminder scan wrote no optional email"
    french = [m for m in messages if 'lang="fr"' in bodies(m)]

    any_link = re.compile(r"https?://[^\s\"'<>]+")
    followed = 0
    for message in messages:
        links = set(any_link.findall(bodies(message)))
        assert links, f"no link in {message['Subject']}"
        for link in links:
            assert link.startswith(f"{base}/"), f"{link} in {message['Subject']}"
            status, page = follow(link.replace("&amp;", "&"))
            assert status == 200, link
            followed += 1
        header = str(message["List-Unsubscribe"] or "").strip().strip("<>")
        if header:
            assert header.startswith(f"{base}/notifications/unsubscribe/")
            # RFC 8058 one-click: the mail client posts this body, without a session or token.
            status, page = follow(header, data=b"List-Unsubscribe=One-Click")
            assert status == 200
    assert followed >= 3

    # A French recipient's links open French pages without signing in.
    assert french, "the demo has French recipients with reminders"
    for link in set(any_link.findall(bodies(french[0]))):
        status, page = follow(link.replace("&amp;", "&"))
        assert 'lang="fr"' in page, link
