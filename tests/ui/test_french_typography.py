"""French typography on what a French reader sees: a non-breaking space (U+00A0 or the narrow
U+202F) before ":" ";" "?" "!", and before "%", on the rendered pages and in the emails."""

import datetime
import html as html_lib
import re

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from agencies.models import Agency
from notifications import emails
from recommendations.models import ActionItem
from recommendations.services import action_item_change
from tests.conftest import RoleMatrix
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

NON_BREAKING = "\u00a0\u202f"
# A mark that ends a word (followed by a space or the end) right after a character that is not a
# non-breaking space. Addresses (http://…?a=b) and times (14:05) are not followed by a space.
# A mark standing alone between spaces is a symbol (an icon such as "!"), not punctuation.
BAD_MARK = re.compile(rf"(?:(?<=[^\s{NON_BREAKING}])|(?<=[^\s] ))[:;?!](?=\s|$)")
BAD_PERCENT = re.compile(r"\d(?: )?%|\d%")
# Literal protocol text shown as code: HTTP header names keep their colon.
LITERALS = ("Authorization: Token", "If-Match:", "Content-Type:")


def words(markup: str) -> str:
    markup = re.sub(r"<(script|style|code|pre)[^>]*>.*?</\1>", " ", markup, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", markup))


def offences(text: str) -> list[str]:
    for literal in LITERALS:
        text = text.replace(literal, "")
    found = [text[max(0, m.start() - 30) : m.end() + 10] for m in BAD_MARK.finditer(text)]
    found += [text[max(0, m.start() - 20) : m.end() + 5] for m in BAD_PERCENT.finditer(text)]
    return found


@pytest.fixture
def french(roles: RoleMatrix) -> RoleMatrix:
    for user in (roles.coordinator, roles.manager, roles.staff):
        user.language = "fr"
        user.save(update_fields=["language"])
    Agency.objects.filter(pk=roles.owner.pk).update(acronym_fr="GRC")
    ActionItemFactory.create(
        recommendation=roles.item.recommendation,
        owner_agency=roles.owner,
        assignee=roles.staff,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
        percent_complete=50,
    )
    action_item_change(
        item=roles.item,
        actor=roles.manager,
        expected_version=roles.item.version,
        note="Une note",
        notify=False,
    )
    return roles


@pytest.mark.parametrize("who", ["staff", "manager", "coordinator"])
def test_french_pages_put_a_non_breaking_space_before_the_high_marks(
    client: Client, french: RoleMatrix, who: str
) -> None:
    client.force_login(french.by_name(who))
    item = french.item
    pages = [
        "/",
        "/?scope=all&overdue=on",
        "/recommendations/",
        f"/recommendations/{item.recommendation.pk}/",
        f"/items/{item.pk}/",
        "/reports/",
        "/reports/?changed=30",
        "/notifications/preferences/",
        "/accounts/profile/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        markup = response.content.decode()
        assert 'lang="fr"' in markup, path
        assert offences(words(markup)) == [], path


def test_french_pages_without_signing_in_follow_the_rule_too(french: RoleMatrix) -> None:
    client = Client()
    # As a French email writes it (in the recipient's language, so the link says lang=fr).
    with translation.override("fr"):
        with_link = emails.unsubscribe_url(user_id=french.staff.pk, kinds=["overdue"])
    for path in (with_link.removeprefix("http://testserver"), "/accounts/login/?lang=fr"):
        markup = client.get(path).content.decode()
        assert 'lang="fr"' in markup
        assert offences(words(markup)) == [], path
    refused = client.get("/reports/export.csv?date_from=nope", HTTP_ACCEPT_LANGUAGE="fr")
    assert offences(refused.content.decode()) == []


def test_french_emails_put_a_non_breaking_space_before_the_high_marks_and_percent(
    french: RoleMatrix, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        action_item_change(
            item=french.item,
            actor=french.manager,
            expected_version=french.item.version,
            assignee=french.staff,
            note="Nouveau plan",
        )
        call_command("run_reminders", verbosity=0)
    assert len(mail.outbox) >= 2
    for message in mail.outbox:
        assert isinstance(message, EmailMultiAlternatives)
        (html, _type) = message.alternatives[0]
        assert isinstance(html, str)
        for text in (str(message.subject), str(message.body), words(html)):
            text = re.sub(r"https?://\S+", " ", text)
            assert offences(text) == [], message.subject
        assert "GRC" in message.body


def test_the_scan_finds_a_plain_space_or_none_before_a_mark_and_a_percent() -> None:
    assert len(offences("Organisme : GRC · 50% · vraiment? Oui")) == 3
    assert (
        offences("Organisme\u00a0: GRC · 50\u00a0% · vraiment\u202f? https://x.ca/?a=b 14:05") == []
    )


def test_a_french_email_writes_the_first_of_the_month_as_1er() -> None:
    import datetime as dt

    from django.utils import translation

    from notifications.emails import _date

    with translation.override("fr"):
        assert _date(dt.date(2026, 10, 1)) == "1er octobre 2026"
        assert _date(dt.date(2026, 10, 2)) == "2 octobre 2026"
    with translation.override("en"):
        assert "1er" not in _date(dt.date(2026, 10, 1))


def test_french_pages_and_emails_write_the_first_of_the_month_as_1er(
    client: Client,
    french: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """One helper (``agencies.dates.local_date``) for templates (the ``long_date`` filter) and
    the emails' sentences: the item page and the assignment email both say « 1er octobre »."""
    first = datetime.date(timezone.localdate().year + 1, 10, 1)
    item = french.item
    ActionItem.objects.filter(pk=item.pk).update(due_date=first, original_due_date=first)
    item.refresh_from_db()
    client.force_login(french.manager)
    page = words(client.get(f"/items/{item.pk}/").content.decode())
    assert f"1er octobre {first.year}" in page
    assert f" 1 octobre {first.year}" not in page
    with django_capture_on_commit_callbacks(execute=True):
        action_item_change(
            item=item, actor=french.manager, expected_version=item.version, assignee=french.staff
        )
    (message,) = [m for m in mail.outbox if french.staff.email in m.to]
    assert isinstance(message, EmailMultiAlternatives)
    (html, _type) = message.alternatives[0]
    assert isinstance(html, str)
    for text in (str(message.body), words(html)):
        assert f"1er octobre {first.year}" in text
        assert f" 1 octobre {first.year}" not in text
    # English is untouched.
    french.manager.language = "en"
    french.manager.save(update_fields=["language"])
    english = words(client.get(f"/items/{item.pk}/").content.decode())
    assert "1er" not in english
    assert "Oct" in english
