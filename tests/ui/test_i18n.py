"""The French catalogue is complete and compiled, and pages follow the user's language."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import RoleMatrix
from tests.ui.helpers import record, signed_in, text

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_french_translation() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_is_committed_and_up_to_date() -> None:
    """``make run`` on a fresh machine has no gettext: the .mo must match the .po."""
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    in_mo = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled}
    for entry in polib.pofile(str(CATALOGUE)).translated_entries():
        if entry.msgid_plural:
            continue
        assert in_mo.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


@pytest.mark.django_db
def test_pages_are_in_french_with_french_dates_and_numbers(
    client: Client, roles: RoleMatrix
) -> None:
    roles.staff.language = "fr"
    roles.staff.save()
    record(roles.item, roles.staff, percent_complete=45)
    client = signed_in(client, roles.staff)
    my_work = client.get("/")
    assert '<html lang="fr">' in my_work.content.decode()
    page = text(my_work)
    assert "Mon travail" in page
    assert "45 %" in page
    assert roles.item.title_fr in page
    detail = text(
        client.get(reverse("recommendations:detail", args=[roles.item.recommendation_id]))
    )
    assert "31 décembre 2027" in detail
    assert "Organisme responsable" in detail
