"""How the API turns exceptions into responses.

The services raise Django's ``ValidationError`` and ``PermissionDenied`` (so that forms, commands
and the API share them) and ``ActionItemConflict``. DRF's own handler knows none of the first and
last, and drops the message of the second; this handler maps all three, so no rule broken by a
caller ever becomes a 500.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from apis.parsers import RequestTooLarge
from recommendations import selectors
from recommendations.services import ActionItemConflict

from .serializers import ActionItemSerializer


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "This change needs an If-Match header with the item's ETag, so that it cannot overwrite "
        "a change you have not seen. Read the item first and send its ETag."
    )
    default_code = "precondition_required"


def validation_error_detail(error: ValidationError) -> dict[str, list[str]]:
    """Messages per field; messages about no one field go under DRF's ``non_field_errors``."""
    if hasattr(error, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return detail


def conflict_response(conflict: ActionItemConflict, context: dict[str, Any]) -> Response:
    """412 with the item as it is now, so the caller can merge and retry with the new ETag."""
    current = selectors.action_item_queryset().filter(pk=conflict.current.pk).first()
    if current is None:  # Deleted (by an administrator) since: there is nothing to merge with.
        return Response({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return Response(
        {
            "detail": str(conflict),
            "current": ActionItemSerializer(current, context=context).data,
        },
        status=status.HTTP_412_PRECONDITION_FAILED,
        headers={"ETag": current.etag},
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ActionItemConflict):
        return conflict_response(exc, context)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE before any parser runs.
        exc = RequestTooLarge(
            gettext("The request body is larger than %(limit)d bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, PermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc))
    return exception_handler(exc, context)
