"""What every view of every app's API shares."""

from collections.abc import Sequence

from django.utils import translation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request

from .query import StrictQueryParametersMixin

# Acronyms, codes and usernames in URLs: anything but a slash, and never NUL, which PostgreSQL
# refuses in a query (the URL then matches nothing and gets a JSON 404).
LOOKUP_TEXT = r"[^/\x00]+"


class TrackerApiMixin(StrictQueryParametersMixin):
    # Bodies are JSON, and only JSON: one format to document, validate and test.
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]

    def perform_authentication(self, request: Request) -> None:
        # A caller signed in by token gets messages in their profile's language unless the
        # request asks for one (Accept-Language); session callers already have it from the
        # middleware. (Comments, not a docstring: drf-spectacular would show a docstring as the
        # description of every view.)
        super().perform_authentication(request)  # type: ignore[misc]
        language = getattr(request.user, "language", "")
        if language and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate(language)
            request.LANGUAGE_CODE = language
