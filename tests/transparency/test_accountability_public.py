"""The public pages count only verified completion as done, and show nothing of the
accountability records: no closing note, evidence, reason, rationale or name."""

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from recommendations.accountability import services
from recommendations.models import ActionItem, Status
from tests.accountability.conftest import pdf
from tests.transparency.conftest import PublicWorld, every_public_address
from transparency.selectors import public_overview

SECRETS = {
    "closing": "CLOSING-NOTE-SECRET",
    "file": "evidence-secret-name.pdf",
    "link": "https://intranet.example/secret-evidence",
    "return": "RETURN-REASON-SECRET",
    "extension": "EXTENSION-REASON-SECRET",
    "decision": "EXTENSION-DECISION-SECRET",
    "assessment": "ASSESSMENT-RATIONALE-SECRET",
}


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_related("recommendation", "owner_agency").get(pk=item.pk)


@pytest.fixture
def accountable(world: PublicWorld, evidence_storage_in_tmp: Any) -> PublicWorld:
    """The published item: submitted, returned with a reason, submitted again (awaiting
    verification); the other item: an extension requested and rejected, and assessed."""
    item = world.item
    for note, decision in ((SECRETS["closing"], services.RETURN), (SECRETS["closing"], None)):
        services.submission_create(
            item=fresh(item),
            actor=world.staff,
            expected_version=fresh(item).version,
            note=note,
            files=[pdf(SECRETS["file"])],
            links=[SECRETS["link"]],
        )
        if decision:
            services.verification_decide(
                item=fresh(item),
                actor=world.coordinator,
                expected_version=fresh(item).version,
                decision=decision,
                reason=SECRETS["return"],
            )
    other = world.other_item
    from agencies.selectors import user_roles_forget
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=world.staff, agency=other.owner_agency)
    user_roles_forget(world.staff)
    request = services.extension_request_create(
        item=fresh(other),
        actor=world.staff,
        proposed_due_date=fresh(other).due_date + datetime.timedelta(days=40),
        reason=SECRETS["extension"],
    )
    services.extension_request_decide(
        request=request,
        actor=world.coordinator,
        decision=services.REJECT,
        reason=SECRETS["decision"],
    )
    services.assessment_create(
        item=fresh(other),
        actor=world.coordinator,
        rating="off_track",
        rationale=SECRETS["assessment"],
    )
    return world


def test_an_item_awaiting_verification_is_not_done_on_the_public_pages(
    accountable: PublicWorld,
) -> None:
    assert fresh(accountable.item).status == Status.AWAITING_VERIFICATION
    overview = public_overview()
    assert overview.completed_count == 0
    services.verification_decide(
        item=fresh(accountable.item),
        actor=accountable.coordinator,
        expected_version=fresh(accountable.item).version,
        decision=services.ACCEPT,
    )
    assert public_overview().completed_count == 1


def test_no_public_page_or_file_shows_evidence_reasons_rationales_or_names(
    client: Client, accountable: PublicWorld
) -> None:
    forbidden = list(SECRETS.values())
    for person in accountable.people:
        forbidden += [person.username, person.email]
    for address in every_public_address(accountable):
        response = client.get(address)
        assert response.status_code == 200, address
        body = response.content.decode()
        for secret in forbidden:
            assert secret not in body, f"{secret!r} leaks on {address}"
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", body), f"an email address on {address}"
        assert "/evidence/" not in body, address
