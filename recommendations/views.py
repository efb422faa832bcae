from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import policies, selectors


@login_required
def recommendation_list(request: HttpRequest) -> HttpResponse:
    """Recommendations grouped by theme, with progress rolled up from their action items."""
    if not policies.can_view_tracker(request.user):
        raise PermissionDenied
    return render(
        request,
        "recommendations/recommendation_list.html",
        {"themes": selectors.themes_with_recommendations()},
    )
