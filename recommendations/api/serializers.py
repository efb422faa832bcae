"""What the API reads and writes. Read serializers describe rows; write serializers only parse
and validate a request body: the writing itself is done by ``recommendations.services``."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from agencies.models import Agency, User
from recommendations import policies
from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Status, Theme
from recommendations.services import NOTE_MAX_LENGTH


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


class ActiveUsernameField(NamedObjectField):
    """A person named by username; only active accounts can be named."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(slug_field="username", **kwargs)


# Links -----------------------------------------------------------------------------------------

# Stands for the lookup value while a route is reversed once: digits match every lookup pattern
# (numeric ids, codes, acronyms, usernames), and these appear nowhere else in an address.
_LOOKUP_PLACEHOLDER = "90817263544536271"
# What Django's reverse() leaves unquoted in a path (django.urls.resolvers: RFC 3986 sub-delims).
_PATH_SAFE = "!$&'()*+,;=/~:@"


def _link_template(context: Any, view_name: str, build: Any) -> tuple[str, str]:
    """(prefix, suffix) of ``view_name``'s address around its lookup value, reversed once per
    serializer (that is, per request) and kept in its context: reverse() was a third of the
    serialising time of a list page (2 links x 50 rows, each resolving the URL patterns)."""
    templates = context.setdefault("_link_templates", {})
    if view_name not in templates:
        prefix, _, suffix = build(_LOOKUP_PLACEHOLDER).partition(_LOOKUP_PLACEHOLDER)
        templates[view_name] = (prefix, suffix)
    return templates[view_name]


class IdentityLinkField(serializers.HyperlinkedIdentityField):
    """The same absolute address as ``HyperlinkedIdentityField``, built from a prefix reversed
    once per request and the row's lookup value, quoted as reverse() quotes it."""

    def get_url(self, obj: Any, view_name: str, request: Any, format: Any) -> str | None:
        value = getattr(obj, self.lookup_field)
        if value in (None, ""):
            return None
        prefix, suffix = _link_template(
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


# Read ------------------------------------------------------------------------------------------


class ThemeSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the language of the request."))

    class Meta:
        model = Theme
        fields = ["key", "section", "title", "title_en", "title_fr", "position"]


class RecommendationSerializer(serializers.ModelSerializer):
    url = IdentityLinkField(view_name="api:recommendation-detail", lookup_field="code")
    title = serializers.CharField(read_only=True, help_text=_("In the language of the request."))
    description = serializers.CharField(read_only=True)
    theme = ThemeSerializer(read_only=True)
    lead_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    supporting_agencies: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", many=True, read_only=True
    )
    progress = serializers.FloatField(
        read_only=True,
        help_text=_("Mean percent complete of its action items that are not cancelled."),
    )
    item_count = serializers.IntegerField(
        read_only=True, help_text=_("Action items that are not cancelled.")
    )
    completed_count = serializers.IntegerField(read_only=True)
    open_count = serializers.IntegerField(read_only=True)
    action_items_url = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = [
            "code",
            "url",
            "title",
            "title_en",
            "title_fr",
            "description",
            "description_en",
            "description_fr",
            "source_passage",
            "theme",
            "priority",
            "lead_agency",
            "supporting_agencies",
            "target_date",
            "progress",
            "item_count",
            "completed_count",
            "open_count",
            "action_items_url",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.URLField())
    def get_action_items_url(self, recommendation: Recommendation) -> str:
        prefix, _ = _link_template(
            self.context,
            "api:action-item-list",
            lambda placeholder: (
                reverse("api:action-item-list", request=self.context.get("request")) + placeholder
            ),
        )
        return f"{prefix}?{urlencode({'recommendation': recommendation.code})}"


class ActionItemSerializer(serializers.ModelSerializer):
    url = IdentityLinkField(view_name="api:action-item-detail")
    reference = serializers.CharField(
        read_only=True, help_text=_("Recommendation code and item number, e.g. PSC-01.2.")
    )
    recommendation: serializers.SlugRelatedField[Recommendation] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    title = serializers.CharField(read_only=True, help_text=_("In the language of the request."))
    description = serializers.CharField(read_only=True)
    owner_agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    assignee: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    is_overdue = serializers.BooleanField(read_only=True)
    is_stale = serializers.BooleanField(read_only=True)
    etag = serializers.CharField(
        read_only=True,
        help_text=_(
            "Send it back in an If-Match header to change the item; it changes on each write."
        ),
    )
    updates_url = IdentityLinkField(view_name="api:action-item-updates")

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "url",
            "reference",
            "recommendation",
            "title",
            "title_en",
            "title_fr",
            "description",
            "description_en",
            "description_fr",
            "owner_agency",
            "assignee",
            "status",
            "percent_complete",
            "due_date",
            "original_due_date",
            "is_overdue",
            "is_stale",
            "version",
            "etag",
            "last_progress_at",
            "completed_at",
            "created_at",
            "updated_at",
            "updates_url",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ActionItem) -> dict[str, Any]:
        # The row built in one expression, in the order of Meta.fields: DRF's generic loop
        # (get_attribute, None checks and to_representation per field) was a third of a 50-row
        # list request in a profile. Links, dates and times still go through their DRF fields,
        # so they are formatted exactly as before; tests compare both paths field by field.
        fields = self.fields
        return {
            "id": instance.pk,
            "url": fields["url"].to_representation(instance),
            "reference": instance.reference,
            "recommendation": instance.recommendation.code,
            "title": instance.title,
            "title_en": instance.title_en,
            "title_fr": instance.title_fr,
            "description": instance.description,
            "description_en": instance.description_en,
            "description_fr": instance.description_fr,
            "owner_agency": instance.owner_agency.acronym,
            "assignee": instance.assignee.username if instance.assignee is not None else None,
            "status": instance.status,
            "percent_complete": instance.percent_complete,
            "due_date": fields["due_date"].to_representation(instance.due_date),
            "original_due_date": fields["original_due_date"].to_representation(
                instance.original_due_date
            ),
            "is_overdue": instance.is_overdue,
            "is_stale": instance.is_stale,
            "version": instance.version,
            "etag": instance.etag,
            "last_progress_at": fields["last_progress_at"].to_representation(
                instance.last_progress_at
            ),
            "completed_at": fields["completed_at"].to_representation(instance.completed_at)
            if instance.completed_at is not None
            else None,
            "created_at": fields["created_at"].to_representation(instance.created_at),
            "updated_at": fields["updated_at"].to_representation(instance.updated_at),
            "updates_url": fields["updates_url"].to_representation(instance),
        }


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    assignee_before: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    assignee_after: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "action_item",
            "author",
            "created_at",
            "status_before",
            "status_after",
            "percent_before",
            "percent_after",
            "due_date_before",
            "due_date_after",
            "assignee_before",
            "assignee_after",
            "note",
        ]
        read_only_fields = fields


# Write -----------------------------------------------------------------------------------------


class ActionItemChangeSerializer(StrictInputSerializer):
    """``PATCH /action-items/{id}/``: any of these, and an optional note saying why."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    percent_complete = JsonIntegerField(min_value=0, max_value=100, required=False)
    due_date = serializers.DateField(required=False)
    assignee = ActiveUsernameField(
        required=False,
        allow_null=True,
        help_text=_("Username of an active member of the owner agency, or null to unassign."),
    )
    note = JsonStringField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, help_text=_("Why.")
    )


class ProgressUpdateCreateSerializer(StrictInputSerializer):
    """``POST /action-items/{id}/updates/``: a note, a new status or percent, or all three."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    percent_complete = JsonIntegerField(min_value=0, max_value=100, required=False)
    note = JsonStringField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


class ActionItemCreateSerializer(StrictInputSerializer):
    """``POST /action-items/`` (coordinators)."""

    recommendation = NamedObjectField(slug_field="code", queryset=Recommendation.objects.all())
    title_en = JsonStringField(max_length=300)
    title_fr = JsonStringField(max_length=300)
    description_en = JsonStringField(required=False, allow_blank=True, default="")
    description_fr = JsonStringField(required=False, allow_blank=True, default="")
    owner_agency = NamedObjectField(slug_field="acronym", queryset=Agency.objects.all())
    due_date = serializers.DateField()
    assignee = ActiveUsernameField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Username of an active member of the owner agency."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        assignee = attrs.get("assignee")
        # The rule that holds for every assignment: a member of the agency that owns the item.
        unsaved = ActionItem(owner_agency=attrs["owner_agency"])
        if assignee is not None and not policies.can_be_assigned(assignee, unsaved):
            raise serializers.ValidationError(
                {
                    "assignee": _("%(user)s is not an active member of %(agency)s.")
                    % {"user": assignee.username, "agency": attrs["owner_agency"].acronym}
                }
            )
        return attrs


# Errors, for the schema ------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the language of the request."))


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = ActionItemSerializer(
        help_text=_("The item as it is now; its etag is the one to send.")
    )
