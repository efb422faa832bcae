"""Data at the brief's scale, generated inside PostgreSQL (``INSERT ... SELECT generate_series``).

50 agencies, 2,000 users, 100,000 action items and 1,000,000 progress updates take well under a
minute: every large table is filled by one statement that PostgreSQL runs without a round trip
per row. The rows respect the domain's rules, so the reports read them as real data:

- every item's timeline is a chain (each update's ``status_before`` is the previous update's
  ``status_after``) that starts with its creation entry (authored by a coordinator) and ends in
  the item's current status, dated between its creation and its
  ``last_progress_at``; completed items are 100 percent and were completed at their last update;
- statuses, due dates (a year either side of today), slippage and staleness are spread so that
  every figure of the report has something to count.

Usage (an empty database, migrated; it refuses a database whose name does not start with
"bench" unless ``force=True``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports \\
        .venv/bin/python -m benchmarks.reports --generate
"""

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from agencies.models import Agency

ROUNDTABLE_AGENCIES = ("PSC", "RCMP", "CBSA", "HC", "FINTRAC", "CPC", "PPSC")
BENCH_PASSWORD = "bench-tracker-password"


@dataclass(frozen=True)
class Scale:
    agencies: int = 50
    users: int = 2_000
    themes: int = 30
    recommendations: int = 400
    items: int = 100_000
    updates_per_item: int = 10

    @property
    def updates(self) -> int:
        return self.items * self.updates_per_item


BRIEF_SCALE = Scale()

_TABLES = (
    "recommendations_progressupdate",
    "recommendations_actionitem",
    "recommendations_recommendation_supporting_agencies",
    "recommendations_recommendation",
    "recommendations_theme",
    "recommendations_source",
    "agencies_membership",
    "agencies_apitoken",
    "django_admin_log",
    "django_session",
    "agencies_user",
    "agencies_agency",
)


def _execute(sql: str, params: dict[str, Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        count: int = cursor.rowcount
        return count


def _generated_models() -> list[type[models.Model]]:
    """The models whose tables the generator fills with hand-written INSERTs."""
    from agencies.models import Membership, User
    from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Source, Theme

    return [User, Membership, Source, Theme, Recommendation, ActionItem, ProgressUpdate]


@contextlib.contextmanager
def _model_defaults() -> Iterator[None]:
    """While the tables are filled, each non-null column has its model's default in the
    database, so an INSERT that does not name it (a column added after the generator was
    written) gets the value Django would have written instead of failing on NOT NULL. A column
    with neither a default nor ``blank`` stays without one, and the INSERT fails naming it."""
    changed: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for model in _generated_models():
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if field.primary_key or field.null or field.db_default is not models.NOT_PROVIDED:
                    continue
                if field.has_default():
                    value = field.get_db_prep_save(field.get_default(), connection)
                elif field.blank and isinstance(field, models.CharField | models.TextField):
                    value = ""
                else:
                    continue
                name = connection.ops.quote_name(field.column or field.name)
                cursor.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT %s",
                    [value],
                )
                changed.append((table, name))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, name in changed:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {name} DROP DEFAULT")


def _check_database(force: bool) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit(
            "The benchmark data generator needs PostgreSQL (DATABASE_URL=postgres://...)."
        )
    name = connection.settings_dict["NAME"]
    if not force and not str(name).startswith("bench"):
        raise SystemExit(
            f"Refusing to empty database {name!r}: its name must start with 'bench' (or force)."
        )


def benchmark_data_generate(
    *, scale: Scale = BRIEF_SCALE, seed: float = 0.2021, force: bool = False
) -> dict[str, float]:
    """Empty the tables and fill them at ``scale``. Returns the seconds each step took."""
    _check_database(force)
    timings: dict[str, float] = {}

    def step(name: str, *statements: str, params: dict[str, object] | None = None) -> None:
        # One statement per execute: psycopg binds parameters for a single statement.
        started = time.perf_counter()
        for sql in statements:
            _execute(sql, params)
        timings[name] = time.perf_counter() - started

    # The defaults are set and dropped outside the filling transaction: PostgreSQL refuses to
    # ALTER a table with deferred foreign-key checks pending.
    with _model_defaults(), transaction.atomic():
        _execute(f"TRUNCATE {', '.join(_TABLES)} RESTART IDENTITY CASCADE")
        # random() below is repeatable from this seed, so two runs build the same data.
        _execute("SELECT setseed(%(seed)s)", {"seed": seed})
        acronyms = list(ROUNDTABLE_AGENCIES) + [
            f"AG{n:02d}" for n in range(len(ROUNDTABLE_AGENCIES) + 1, scale.agencies + 1)
        ]
        levels, kinds = list(Agency.Level.values), list(Agency.Kind.values)
        Agency.objects.bulk_create(
            Agency(
                acronym=acronym,
                name_en=f"{acronym} agency",
                name_fr=f"Agence {acronym}",
                level=levels[index % len(levels)],
                kind=kinds[index % len(kinds)],
            )
            for index, acronym in enumerate(acronyms[: scale.agencies])
        )
        step(
            "users",
            """
            INSERT INTO agencies_user (password, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined, language)
            SELECT %(password)s, false, 'user' || g, 'First' || g, 'Last' || g,
                'user' || g || '@example.gc.ca', false, true, now(),
                CASE WHEN g %% 3 = 0 THEN 'fr' ELSE 'en' END
            FROM generate_series(1, %(users)s) g
            """,
            params={"password": make_password(BENCH_PASSWORD), "users": scale.users},
        )
        # Users 1-10 are coordinators at PSC; every 40th user manages an agency; the rest are
        # staff, spread over the agencies.
        step(
            "memberships",
            """
            INSERT INTO agencies_membership (user_id, agency_id, role, created_at)
            SELECT u.id,
                CASE WHEN u.id <= 10 THEN 1 ELSE 1 + (u.id %% %(agencies)s) END,
                CASE WHEN u.id <= 10 THEN 'coordinator'
                     WHEN u.id %% 40 = 0 THEN 'manager' ELSE 'staff' END,
                now()
            FROM agencies_user u
            """,
            params={"agencies": scale.agencies},
        )
        step(
            "themes",
            """
            INSERT INTO recommendations_source (key, title_en, title_fr, publisher_en,
                publisher_fr, url, text)
            VALUES ('bench', 'Benchmark source', 'Source d''essai', 'Public Safety Canada',
                'Sécurité publique Canada', '', '')
            """,
            """
            INSERT INTO recommendations_theme (source_id, key, section, title_en, title_fr,
                position)
            SELECT 1, 'theme-' || g,
                (ARRAY['key_theme', 'gap_opportunity', 'future_discussion'])[1 + g %% 3],
                'Theme ' || g, 'Thème ' || g, g
            FROM generate_series(1, %(themes)s) g
            """,
            params={"themes": scale.themes},
        )
        step(
            "recommendations",
            """
            INSERT INTO recommendations_recommendation (code, source_id, theme_id, title_en,
                title_fr, description_en, description_fr, source_passage, priority,
                lead_agency_id, target_date, created_at, updated_at, published)
            SELECT 'B-' || lpad(g::text, 4, '0'), 1, 1 + (g %% %(themes)s),
                'Recommendation ' || g, 'Recommandation ' || g, '', '', 'A passage.',
                (ARRAY['critical', 'high', 'medium', 'low'])[1 + g %% 4],
                1 + (g %% %(agencies)s), current_date + 365, now(), now(), g %% 2 = 0
            FROM generate_series(1, %(recommendations)s) g
            """,
            """
            INSERT INTO recommendations_recommendation_supporting_agencies (recommendation_id,
                agency_id)
            SELECT r.id, 1 + ((r.id + offsets.o) %% %(agencies)s)
            FROM recommendations_recommendation r CROSS JOIN (VALUES (7), (19)) offsets(o)
            """,
            params={
                "themes": scale.themes,
                "agencies": scale.agencies,
                "recommendations": scale.recommendations,
            },
        )
        # One row of random draws per item, then the columns derived from them: status first,
        # then percent, dates and staleness consistent with it.
        step(
            "action items",
            """
            INSERT INTO recommendations_actionitem (recommendation_id, sequence, title_en,
                title_fr, description_en, description_fr, owner_agency_id, assignee_id, status,
                percent_complete, due_date, original_due_date, version, last_progress_at,
                completed_at, created_at, updated_at)
            SELECT
                1 + ((g - 1) %% %(recommendations)s),
                1 + (g - 1) / %(recommendations)s,
                'Action item ' || g, 'Mesure ' || g, '', '',
                owner,
                -- A member of the owner agency (user u belongs to agency 1 + u mod agencies).
                CASE WHEN r_assignee < 0.6 THEN owner - 1 + %(agencies)s * (1 + floor(
                    r_assignee / 0.6 * (%(users)s / %(agencies)s - 2))::int) END,
                status,
                CASE status WHEN 'completed' THEN 100 WHEN 'not_started' THEN 0
                    ELSE floor(r_percent * 95)::int END,
                due_date,
                due_date - CASE WHEN r_slip < 0.30 THEN 1 + floor(r_slip / 0.30 * 240)::int
                                WHEN r_slip < 0.35 THEN -1 - floor((r_slip - 0.30) * 600)::int
                                ELSE 0 END,
                %(updates_per_item)s,
                last_progress_at,
                CASE WHEN status = 'completed' THEN last_progress_at END,
                created_at,
                last_progress_at
            FROM (
                SELECT g, owner, r_assignee, r_percent, r_slip, status, created_at,
                    (created_at + interval '30 days' + r_due * interval '480 days')::date AS due_date,
                    -- A quarter of the items had no news for 35 to 200 days: stale if open.
                    CASE WHEN r_stale < 0.25
                         THEN greatest(created_at, now() - interval '35 days'
                                       - r_percent * interval '165 days')
                         ELSE created_at + (now() - created_at) * (0.75 + 0.25 * r_percent)
                    END AS last_progress_at
                FROM (
                    SELECT g, 1 + floor(random() * %(agencies)s)::int AS owner,
                        random() AS r_assignee,
                        random() AS r_percent, random() AS r_slip, random() AS r_due,
                        random() AS r_stale,
                        CASE WHEN r < 0.20 THEN 'not_started' WHEN r < 0.50 THEN 'in_progress'
                             WHEN r < 0.60 THEN 'blocked' WHEN r < 0.90 THEN 'completed'
                             ELSE 'cancelled' END AS status,
                        now() - interval '20 days' - r_created * interval '520 days' AS created_at
                    FROM (
                        SELECT g, random() AS r, random() AS r_created
                        FROM generate_series(1, %(items)s) g
                    ) draws
                ) items
            ) dated
            """,
            params={
                "recommendations": scale.recommendations,
                "agencies": scale.agencies,
                "users": scale.users,
                "items": scale.items,
                "updates_per_item": scale.updates_per_item,
            },
        )
        # Each item's timeline: its creation entry (what it started as: not started, 0 percent,
        # its original due date and assignee; nothing before), then N - 1 updates evenly spaced
        # from its creation to its last progress. Before the last one the item is in progress
        # (or still not started); the last one sets its current status, percent and due date.
        step(
            "progress updates",
            """
            INSERT INTO recommendations_progressupdate (action_item_id, author_id, created_at,
                status_before, status_after, percent_before, percent_after, due_date_before,
                due_date_after, assignee_before_id, assignee_after_id, note)
            SELECT i.id,
                CASE WHEN k = 0 THEN 1 + (i.id %% 10)
                     ELSE coalesce(i.assignee_id, 11 + (i.id %% (%(users)s - 10))) END,
                i.created_at + (i.last_progress_at - i.created_at) * k / %(m)s,
                CASE WHEN k = 0 THEN '' WHEN k = 1 THEN 'not_started' ELSE middle END,
                CASE WHEN k = %(m)s THEN i.status WHEN k = 0 THEN 'not_started' ELSE middle END,
                CASE WHEN k = 0 THEN 0 ELSE i.percent_complete * (k - 1) / %(m)s END,
                CASE WHEN k = %(m)s THEN i.percent_complete
                     ELSE i.percent_complete * k / %(m)s END,
                CASE WHEN k = 0 THEN NULL ELSE i.original_due_date END,
                CASE WHEN k = %(m)s THEN i.due_date ELSE i.original_due_date END,
                CASE WHEN k = 0 THEN NULL ELSE i.assignee_id END, i.assignee_id,
                CASE WHEN k > 0 AND k %% 3 = 0 THEN 'Progress noted at the monthly meeting.'
                     ELSE '' END
            FROM (
                SELECT a.*, CASE WHEN a.status = 'not_started' THEN 'not_started'
                                 ELSE 'in_progress' END AS middle
                FROM recommendations_actionitem a
            ) i
            CROSS JOIN generate_series(0, %(m)s) k
            """,
            params={"m": scale.updates_per_item - 1, "users": scale.users},
        )
    # What autovacuum would have done by the time anyone reads a report: statistics for the
    # planner and a visibility map, so index-only scans need not visit the table.
    started = time.perf_counter()
    _execute("VACUUM ANALYZE")
    timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def benchmark_data_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in (
            "agencies_agency",
            "agencies_user",
            "recommendations_recommendation",
            "recommendations_actionitem",
            "recommendations_progressupdate",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cursor.fetchone()[0]
    return counts
