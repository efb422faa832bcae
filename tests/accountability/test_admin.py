import datetime

import pytest
from django.db.models import Model
from django.test import Client

from recommendations.accountability.models import ExtensionRequest
from tests.conftest import RoleMatrix
from tests.factories import UserFactory


@pytest.mark.parametrize("model", ["submission", "extensionrequest", "assessment"])
def test_the_admin_shows_accountability_records_read_only(
    client: Client, roles: RoleMatrix, model: type[Model]
) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(f"/admin/recommendations/{model}/").status_code == 200
    assert client.get(f"/admin/recommendations/{model}/add/").status_code == 403


def test_an_extension_request_cannot_be_changed_in_the_admin(
    client: Client, roles: RoleMatrix
) -> None:
    request = ExtensionRequest.objects.create(
        action_item=roles.item,
        requested_by=roles.staff,
        current_due_date=roles.item.due_date,
        proposed_due_date=roles.item.due_date + datetime.timedelta(days=5),
        reason="x",
    )
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/recommendations/extensionrequest/{request.pk}/change/", {"status": "approved"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"
