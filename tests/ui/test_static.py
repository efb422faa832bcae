"""Self-contained: no CDN, and the app serves its own static files (WhiteNoise)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(settings.BASE_DIR)
TEMPLATE_AND_STATIC = [
    *ROOT.glob("templates/**/*.html"),
    *ROOT.glob("*/templates/**/*.html"),
    *ROOT.glob("static/**/*.css"),
    *ROOT.glob("static/**/*.js"),
]
EXTERNAL = re.compile(
    r"""(src|href)=["']?(https?:)?//|@import\s+url\(["']?(https?:)?//|url\(["']?https?://"""
)


def test_no_page_loads_anything_from_another_site() -> None:
    assert TEMPLATE_AND_STATIC
    offenders = [str(path) for path in TEMPLATE_AND_STATIC if EXTERNAL.search(path.read_text())]
    assert offenders == []


@pytest.mark.django_db
def test_static_files_are_served_by_the_app(client: Client) -> None:
    for path in ("css/tracker.css", "js/tracker.js"):
        response = client.get(settings.STATIC_URL + path)
        assert response.status_code == 200, path
