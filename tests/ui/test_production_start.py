"""The Procfile's web process, started as `make run` starts it (DEBUG off, a generated key):
it collects the static files first, and a visitor sees the designed, translated error pages,
never Django's debug page."""

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, language: str = "en") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})  # noqa: S310
    try:
        # Generous: a worker's first request loads the URLconf and templates, which took more
        # than 10 s at load 14 on the shared machine. This test is about the pages, not speed.
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
        "PORT": str(port),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "VAR_DIR": str(tmp_path),
        "SECRET_KEY": "generated-like-make-run-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,[::1]",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("DEBUG", None)  # as `make run`: off unless asked for
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    process = subprocess.Popen(
        ["sh", "-c", line.split(":", 1)[1].strip()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert process.poll() is None, "the web process stopped"
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}", tmp_path
    os.killpg(process.pid, 15)
    process.wait(timeout=30)


def test_the_production_start_collects_static_files_and_shows_designed_error_pages(
    web: tuple[str, Path],
) -> None:
    base, var = web
    assert (var / "static" / "staticfiles.json").exists()
    status, page = _get(f"{base}/no-such-page/")
    assert status == 404
    assert "Page not found" in page
    # Not the debug page.
    assert "URLconf" not in page
    assert "Django" not in page
    stylesheet = re.search(r'href="(/static/css/tracker\.[0-9a-f]+\.css)"', page)
    assert stylesheet, "the page names its hashed, collected stylesheet"
    assert _get(base + stylesheet.group(1))[0] == 200
    status, french = _get(f"{base}/no-such-page/", language="fr")
    assert status == 404
    assert "Page introuvable" in french
