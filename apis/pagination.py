from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class ApiPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=``: 50 a page unless asked (settings ``PAGE_SIZE``), never more
    than 200, so that one request costs the same however large the tables grow."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int | None:
        # DRF falls back to the default for a page size it cannot read; a caller who asked for
        # ?page_size=abc is told instead. A size above the maximum is lowered to it.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Enter a whole number of 1 or more.")]}
            )
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        # An unreadable page number is a bad request (400); a page past the last is not found (404).
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw in self.last_page_strings:
            return super().get_page_number(request, paginator)
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError(
                {self.page_query_param: [_("Enter a whole number of 1 or more.")]}
            )
        return int(raw)
