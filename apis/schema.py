"""OpenAPI pieces every app's API shares: the error responses and the ETag headers."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text=_("What went wrong, in the language of the request."))


VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Messages per field name; messages about no one field under non_field_errors; a body "
        "that is not JSON under detail. A list field's messages about some of its entries are "
        'given per position, counted from 0: {"links": {"2": ["Enter a valid URL."]}}.'
    ),
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {
                "type": "object",
                "description": "Messages per position in a list field (OpenAPI 3.0 cannot say "
                "that the names are numbers).",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ]
    },
    "example": {"percent_complete": ["Ensure this value is less than or equal to 100."]},
}

_ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(
        VALIDATION_ERROR_SCHEMA,
        description=_(
            "The request is invalid; nothing was written. On a list, also a query parameter it "
            "does not know (the message names the ones it accepts)."
        ),
    ),
    401: OpenApiResponse(
        ErrorSerializer,
        description=_("Not signed in: send “Authorization: Token …” or a session cookie."),
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description=_(
            "Signed in but not allowed (no agency membership, or a rule of the tracker); "
            "the message says which."
        ),
    ),
    404: OpenApiResponse(ErrorSerializer, description=_("No such object or page.")),
    409: OpenApiResponse(
        ErrorSerializer, description=_("Another write got there first; send the request again.")
    ),
    412: OpenApiResponse(
        ErrorSerializer,
        description=_(
            "The If-Match header does not match the item's current ETag: someone changed it "
            "since you read it. Nothing was written; the body holds the current item."
        ),
    ),
    415: OpenApiResponse(
        ErrorSerializer, description=_("The body is not JSON (Content-Type: application/json).")
    ),
    428: OpenApiResponse(
        ErrorSerializer, description=_("The If-Match header is missing; nothing was written.")
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description=_("Too many requests; wait the number of seconds in Retry-After."),
    ),
}


def errors(*codes: int, signed_in: bool = True) -> dict[int, OpenApiResponse]:
    """Error responses for ``extend_schema(responses=...)``: 429 applies everywhere, and 401
    wherever the caller must be signed in."""
    always = {401, 429} if signed_in else {429}
    return {code: _ERRORS[code] for code in sorted({*always, *codes})}


def etag_header(*codes: int) -> OpenApiParameter:
    """The ETag response header, on the responses with these status codes."""
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=list(codes),
        description=_("The item's current entity tag; send it in If-Match to change the item."),
    )


def if_match_header(*, required: bool, description: str | Promise) -> OpenApiParameter:
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=required,
        description=description,
    )


def if_none_match_header() -> OpenApiParameter:
    return OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description=_(
            "The ETag of the copy you hold: if it is still current the answer is 304 with no "
            "body, so polling costs little."
        ),
    )


class StrictInputSerializerExtension(OpenApiSerializerExtension):
    """Request bodies that refuse unknown fields say so: ``additionalProperties: false``."""

    target_class = "apis.serializers.StrictInputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema
