"""Queue a Celery task once the current transaction commits, and never let a broker outage undo
or break the write that asked for it.

Every call site uses ``enqueue_on_commit``: the task is sent only if the rows it will read were
committed, and a broker that is down is logged (Django's robust on-commit logging names the
callback by its ``__qualname__``, so the callback is a named function, not a ``partial``). What
was not queued is found again by the periodic retry task, which reads the database, not the
broker.
"""

import logging
from typing import Any, Protocol

from django.db import transaction

logger = logging.getLogger(__name__)


class _Task(Protocol):
    name: str

    def delay(self, *args: Any, **kwargs: Any) -> Any: ...


def enqueue_on_commit(task: _Task, *args: Any) -> None:
    """``task.delay(*args)`` after the commit of the current transaction (at once outside one)."""

    def enqueue_task() -> None:
        try:
            task.delay(*args)
        except Exception:
            # Logged here with the task's name; the rows stay pending for the retry task.
            logger.exception("Could not queue %s; the periodic retry will pick it up", task.name)

    # robust: should anything else still escape, the other on-commit callbacks run all the same.
    transaction.on_commit(enqueue_task, robust=True)
