"""The floor the HTTP benchmark compares the project with: a bare WSGI app that runs exactly the
SQL the project ran for a request (captured by ``benchmarks.web``) on one psycopg connection per
process and answers ``json.dumps`` of the rows. No Django, no middleware, no serialiser: what a
request would cost if the database were the only work.

``FLOOR_QUERIES`` names a JSON file ``{"endpoint": ["SQL", ...]}``; ``GET /<endpoint>`` runs
that list. ``FLOOR_DSN`` is the PostgreSQL connection string.
"""

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

_QUERIES: dict[str, list[str]] = {}
_CONNECTION: psycopg.Connection[Any] | None = None


def _connection() -> psycopg.Connection[Any]:
    global _CONNECTION
    if _CONNECTION is None or _CONNECTION.closed:
        _CONNECTION = psycopg.connect(os.environ["FLOOR_DSN"], autocommit=True)
    return _CONNECTION


def _queries() -> dict[str, list[str]]:
    if not _QUERIES:
        with open(os.environ["FLOOR_QUERIES"], encoding="utf-8") as queries:
            _QUERIES.update(json.load(queries))
    return _QUERIES


def application(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    statements = _queries().get(environ.get("PATH_INFO", "").strip("/"))
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such endpoint"]
    results = []
    with _connection().cursor() as cursor:
        for sql in statements:
            cursor.execute(sql.encode())  # captured SQL with its values already bound
            if cursor.description is not None:
                results.append(cursor.fetchall())
    body = json.dumps(results, default=str).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
