"""An unknown id in the API is a JSON 404, whichever address and method."""

import pytest

from tests.api.conftest import ClientFor
from tests.conftest import RoleMatrix

pytestmark = pytest.mark.django_db

UNKNOWN = 987654321


def test_an_unknown_id_in_the_api_is_a_json_404(roles: RoleMatrix, client_for: ClientFor) -> None:
    client = client_for(roles.coordinator)
    for path in (
        f"/api/v1/action-items/{UNKNOWN}/",
        f"/api/v1/action-items/{UNKNOWN}/updates/",
        "/api/v1/recommendations/NOPE-99/",
        "/api/v1/agencies/NOPE/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
    patch = client.patch(
        f"/api/v1/action-items/{UNKNOWN}/",
        {"status": "blocked"},
        format="json",
        HTTP_IF_MATCH='"1-1"',
    )
    # The item does not exist, so no ETag can match it: the answer is 404, not 412.
    assert patch.status_code == 404
    assert patch["Content-Type"] == "application/json"
    assert patch.json()["detail"]
    post = client.post(f"/api/v1/action-items/{UNKNOWN}/updates/", {"note": "x"}, format="json")
    assert post.status_code == 404
    assert post["Content-Type"] == "application/json"
