"""DRF's JSON parser with limits: no body can exhaust memory or the interpreter's stack."""

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def _depth_exceeds(value: Any, limit: int) -> bool:
    # Iterative, so that checking a deep document cannot itself overflow the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """Refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (413) or nested deeper than
    ``API_JSON_MAX_DEPTH`` (400), signed in or not, before any view sees it."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON document is nested too deeply.")) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(
                _("JSON parse error: %(error)s") % {"error": error}
            ) from None
        if _depth_exceeds(data, settings.API_JSON_MAX_DEPTH):
            raise exceptions.ParseError(
                _("The JSON document is nested more than %(depth)d levels deep.")
                % {"depth": settings.API_JSON_MAX_DEPTH}
            )
        return data


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (DRF's own parser refuses them too).
    raise ValueError(f"{name} is not valid JSON")
