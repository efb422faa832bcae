"""French is complete: every catalogue entry is translated, and the committed .mo matches the .po."""

from pathlib import Path

import polib
import pytest
from django.test import Client

from tests.conftest import RoleMatrix

CATALOGUES = sorted(
    Path(__file__).resolve().parent.parent.glob("**/locale/fr/LC_MESSAGES/django.po")
)
CATALOGUES = [path for path in CATALOGUES if ".venv" not in path.parts]


def test_there_is_a_french_catalogue() -> None:
    assert CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=str)
def test_every_entry_is_translated_and_none_is_fuzzy(path: Path) -> None:
    catalogue = polib.pofile(str(path))
    assert not catalogue.metadata_is_fuzzy
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("path", CATALOGUES, ids=str)
def test_compiled_catalogue_matches_its_source(path: Path) -> None:
    source = polib.pofile(str(path))
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    expected = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural
        for entry in source.translated_entries()
    }
    actual = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural
        for entry in compiled
        if entry.msgid
    }
    assert actual == expected, "run: python manage.py compilemessages, then commit the .mo"


@pytest.mark.django_db
def test_pages_speak_french_when_asked(client: Client, roles: RoleMatrix) -> None:
    # A page, not gettext alone: the catalogue is loaded and used by what a person reads.
    roles.staff.language = "fr"
    roles.staff.save()
    client.force_login(roles.staff)
    page = client.get("/").content.decode()
    assert "Mon travail" in page
    assert "Non commencée" in page
