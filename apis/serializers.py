"""Strict request bodies for every app's API: unknown fields and mistyped JSON are refused."""

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

_M = TypeVar("_M", bound=Model)


class StrictInputSerializer(serializers.Serializer[Any]):
    """A request body: a JSON object whose keys are all fields of this serializer.

    A misspelt or read-only field ("percent" for "percent_complete", "title" on a progress
    update) is refused with a message, instead of being silently ignored.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [
                            _("Unknown or read-only field. Fields you may send: %(fields)s.")
                            % {"fields": ", ".join(self.fields)}
                        ]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class JsonStringField(serializers.CharField):
    """Text given as a JSON string: a number is refused rather than silently made into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonIntegerField(serializers.IntegerField):
    """A JSON number: the text "50" is refused rather than read as 50."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    """A JSON true or false: "yes", 1 or "false" are refused rather than guessed at."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class NamedObjectField(serializers.SlugRelatedField[_M]):
    """An object named by a unique text (a code, an acronym, a username). A name that no row
    can hold (not text, or with a NUL character, which PostgreSQL refuses in a query) is
    refused before the database is asked."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


# Links -----------------------------------------------------------------------------------------

# Stands for the lookup value while a route is reversed once: digits match every lookup pattern
# (numeric ids, codes, acronyms, usernames), and these appear nowhere else in an address.
_LOOKUP_PLACEHOLDER = "90817263544536271"
# What Django's reverse() leaves unquoted in a path (django.urls.resolvers: RFC 3986 sub-delims).
_PATH_SAFE = "!$&'()*+,;=/~:@"


def link_template(context: Any, view_name: str, build: Any) -> tuple[str, str]:
    """(prefix, suffix) of ``view_name``'s address around its lookup value, reversed once per
    serializer (that is, per request) and kept in its context: reverse() was a third of the
    serialising time of a list page (2 links x 50 rows, each resolving the URL patterns)."""
    templates: dict[str, tuple[str, str]] = context.setdefault("_link_templates", {})
    if view_name not in templates:
        prefix, _, suffix = build(_LOOKUP_PLACEHOLDER).partition(_LOOKUP_PLACEHOLDER)
        templates[view_name] = (prefix, suffix)
    template: tuple[str, str] = templates[view_name]
    return template


class IdentityLinkField(serializers.HyperlinkedIdentityField):
    """The same absolute address as ``HyperlinkedIdentityField``, built from a prefix reversed
    once per request and the row's lookup value, quoted as reverse() quotes it."""

    def get_url(self, obj: Any, view_name: str, request: Any, format: Any) -> str | None:
        value = getattr(obj, self.lookup_field)
        if value in (None, ""):
            return None
        prefix, suffix = link_template(
            self.context,
            view_name,
            lambda placeholder: self.reverse(
                view_name,
                kwargs={self.lookup_url_kwarg: placeholder},
                request=request,
                format=format,
            ),
        )
        return f"{prefix}{quote(str(value), safe=_PATH_SAFE)}{suffix}"
