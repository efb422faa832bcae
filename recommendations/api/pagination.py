from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=``: 50 a page unless asked (settings ``PAGE_SIZE``), never more
    than 200, so that one request costs the same however large the tables grow."""

    page_size_query_param = "page_size"
    max_page_size = 200
