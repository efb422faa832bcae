"""Strict request bodies for every app's API: unknown fields and mistyped JSON are refused."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
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


class NamedObjectField(serializers.SlugRelatedField):
    """An object named by a unique text (a code, an acronym, a username). A name that no row
    can hold (not text, or with a NUL character, which PostgreSQL refuses in a query) is
    refused before the database is asked."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)
