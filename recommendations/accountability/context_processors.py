from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def accountability_counts(request: HttpRequest) -> dict[str, Any]:
    """The navigation's queue counts, computed only if a page shows them (coordinators)."""
    from .views import queue_counts

    return {"accountability_counts": SimpleLazyObject(lambda: queue_counts(request.user) or {})}
