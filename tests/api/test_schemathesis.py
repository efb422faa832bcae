"""Schemathesis against the live schema, in-process (WSGI): whatever it sends, schema-valid or
not, no response is a server error and every response matches what the schema says (status
code, content type, headers, body), and anonymous calls are refused.

Each operation is one test, with a bounded number of examples of valid and of invalid requests,
so the whole file runs in well under a minute.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.core.parameters import ParameterLocation

from agencies.services import api_token_create
from recommendations.models import ActionItem
from tests.conftest import RoleMatrix

EXAMPLES_PER_MODE = 50

# Loaded from the running application, as a client would (that request reads no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
# An operation the schema cannot describe is an Err: .ok() then fails collection, as it should.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def can_be_made_invalid(operation: Any) -> bool:
    """Whether the operation takes anything a request can get wrong besides its path: a query,
    a body or a header of its own (Authorization is added by the security scheme)."""
    headers = [header for header in operation.headers if header.name != "Authorization"]
    return bool(list(operation.query) or list(operation.body) or headers)


CASES = [
    pytest.param(operation, mode, id=f"{operation.label} {mode.value}")
    for operation in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or can_be_made_invalid(operation)
]


def with_real_objects(case: Any, existing: dict[str, Any]) -> Any:
    """Random ids, codes and usernames mostly name nothing (404 or 400); this case names objects
    that exist, real credentials, and the item's current ETag, so that writes really happen.
    A part generated to be invalid is left alone, so that it stays invalid."""

    def valid(location: ParameterLocation) -> bool:
        return case.meta is None or not case.meta.is_negative_at(location)

    if valid(ParameterLocation.PATH):
        for name in case.path_parameters or {}:
            if name in existing:
                case.path_parameters[name] = existing[name]
    if valid(ParameterLocation.HEADER) and any(
        header.name == "If-Match" for header in case.operation.headers
    ):
        case.headers = {
            **(case.headers or {}),
            "If-Match": ActionItem.objects.get(pk=existing["id"]).etag,
        }
    if valid(ParameterLocation.BODY) and isinstance(case.body, dict):
        for name in ("recommendation", "owner_agency", "assignee", "username", "password"):
            if name in case.body:
                case.body[name] = existing[name]
    return case


@pytest.fixture
def database_connection_kept_between_requests() -> Iterator[None]:
    """Django closes an old connection when a request starts and ends, which would end the
    test's transaction on PostgreSQL; its own test client prevents that, and so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_lists_every_operation() -> None:
    assert len(OPERATIONS) >= 16


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_every_answer_matches_the_schema(
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    roles: RoleMatrix,
    database_connection_kept_between_requests: None,
) -> None:
    token = api_token_create(user=roles.coordinator)[1]
    existing = {
        "id": roles.item.pk,
        "acronym": roles.item.owner_agency.acronym,
        "code": roles.item.recommendation.code,
        "recommendation": roles.item.recommendation.code,
        "owner_agency": roles.item.owner_agency.acronym,
        "assignee": roles.staff.username,
        "username": roles.staff.username,
        "password": "correct-horse-battery",  # tests.factories.UserFactory
    }

    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        # The examples share this test's database on purpose: what one writes, the next reads.
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any, real: bool) -> None:
        if real:
            case = with_real_objects(case, existing)
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            excluded_checks=[
                # Schema-valid is not always acceptable: an unknown username, a wrong password,
                # an update that changes nothing are refused with 400, as they should be.
                schemathesis.checks.positive_data_acceptance,
                # Its verdicts on invalid data are unreliable here: a value made invalid before
                # it is put in a query string is often valid once there (?theme=true names a
                # theme "true"), and a stale If-Match rightly gets 412 before the body is read.
                # Invalid input is covered instead by not_a_server_error and the status and
                # schema checks, and by tests/api/test_validation.py.
                schemathesis.checks.negative_data_rejection,
            ],
        )

    call()
