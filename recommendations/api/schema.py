"""OpenAPI pieces shared by the API's views: the error responses and the ETag headers."""

from drf_spectacular.utils import OpenApiResponse

from apis.schema import VALIDATION_ERROR_SCHEMA, etag_header, if_match_header, if_none_match_header
from apis.schema import errors as shared_errors

from .serializers import ConflictSerializer

__all__ = [
    "VALIDATION_ERROR_SCHEMA",
    "errors",
    "etag_header",
    "if_match_header",
    "if_none_match_header",
]


def errors(*codes: int, signed_in: bool = True) -> dict[int, OpenApiResponse]:
    """``apis.schema.errors``, with the action items' 412 body: the current item to merge."""
    responses = shared_errors(*codes, signed_in=signed_in)
    if 412 in responses:
        responses[412] = OpenApiResponse(ConflictSerializer, description=responses[412].description)
    return responses
