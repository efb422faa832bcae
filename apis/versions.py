"""Version counters an API request reads first, all of them in one query.

An app that keeps one (a one-row table whose number moves in the same transaction as the writes
it covers: ``agencies.CredentialsVersion``, ``recommendations.DataVersion``) registers it when it
starts. The token authentication reads every registered counter in one round trip, before
anything else of the request, and a read request keeps the values for the rest of it: each round
trip was an eighth of a kept API read (py-spy under gunicorn, issue 12). Here, in the plumbing
every app builds on, so that no app has to import another's tables.
"""

from django.db import connection
from django.db.models import Model
from django.http import HttpRequest

_COUNTERS: dict[str, type[Model]] = {}
_ATTRIBUTE = "versions_read_first"


def version_counter_register(name: str, model: type[Model]) -> None:
    """``model``'s row 1, column ``value``, is read as the version ``name``."""
    _COUNTERS[name] = model


def _counter_select(model: type[Model]) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return f"SELECT {quote('value')} FROM {table} WHERE {quote('id')} = 1"  # noqa: S608 - names from the model


def version_read(model: type[Model]) -> int:
    """One counter's version (0 while its row does not exist): a primary-key read in plain SQL,
    as every cached read runs one and the ORM's building of it cost four times the read (0.44
    against 0.09 ms of CPU, issue 12's profile)."""
    with connection.cursor() as cursor:
        cursor.execute(_counter_select(model))
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def versions_read() -> dict[str, int]:
    """Every registered version (0 for a counter whose row does not exist yet), in one query."""
    if not _COUNTERS:
        return {}
    columns = ", ".join(f"({_counter_select(model)})" for model in _COUNTERS.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + columns)
        row = cursor.fetchone()
    return {name: int(found or 0) for name, found in zip(_COUNTERS, row, strict=True)}


def versions_keep(request: HttpRequest, versions: dict[str, int]) -> None:
    """Keep what ``versions_read`` gave for the rest of a read request (not a write: what it
    writes moves a version after the read)."""
    setattr(request, _ATTRIBUTE, versions)


def versions_read_first(request: HttpRequest) -> dict[str, int]:
    """The versions the request read before anything else, if it kept them; else empty."""
    kept: dict[str, int] = getattr(request, _ATTRIBUTE, {})
    return kept
