"""Strict query strings: a list refuses a parameter it does not know.

A typo (``?agnecy=CBSA``) would otherwise be ignored and return the unfiltered list, which the
caller would take for a filtered one. The allowed names are read from the view itself (its
filterset, its search and ordering backends, its paginator) plus ``format``, so a new filter is
allowed the moment it is declared.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request

ALWAYS_ALLOWED = frozenset({"format"})


def allowed_query_parameters(view: Any) -> frozenset[str]:
    """The query parameters ``view``'s list understands."""
    names: set[str] = set(ALWAYS_ALLOWED) | set(getattr(view, "extra_query_parameters", ()))
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        names |= set(filterset_class.base_filters)
    for backend in getattr(view, "filter_backends", ()):
        for attribute in ("search_param", "ordering_param"):
            name = getattr(backend, attribute, None)
            if name:
                names.add(name)
    paginator = getattr(view, "paginator", None)
    if paginator is not None:
        for attribute in ("page_query_param", "page_size_query_param"):
            name = getattr(paginator, attribute, None)
            if name:
                names.add(name)
    return frozenset(names)


def refuse_unknown_query_parameters(request: Request, allowed: Iterable[str]) -> None:
    """400 naming the unknown parameters and the allowed ones."""
    allowed = set(allowed)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationError(
            {
                name: [
                    _("Unknown query parameter. Parameters you may send: %(allowed)s.")
                    % {"allowed": ", ".join(sorted(allowed))}
                ]
                for name in unknown
            }
        )


def is_list_request(view: Any, request: Request) -> bool:
    if request.method not in {"GET", "HEAD"} or not isinstance(view, ListModelMixin):
        return False
    action = getattr(view, "action", None)
    return action is None or action == "list"


class StrictQueryParametersMixin:
    """For API views: a list request naming an unknown query parameter gets a 400."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if is_list_request(self, request):
            refuse_unknown_query_parameters(request, allowed_query_parameters(self))
