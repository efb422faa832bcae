"""What the API reads and writes. Read serializers describe rows; write serializers only parse
and validate a request body: the writing itself is done by ``recommendations.services``."""

from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from agencies.models import Agency, User
from apis.serializers import (
    JsonIntegerField,
    JsonStringField,
    NamedObjectField,
    StrictInputSerializer,
)
from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Status, Theme
from recommendations.services import NOTE_MAX_LENGTH


class ActiveUsernameField(NamedObjectField):
    """A person named by username; only active accounts can be named."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(slug_field="username", **kwargs)


# Read ------------------------------------------------------------------------------------------


class ThemeSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the language of the request."))

    class Meta:
        model = Theme
        fields = ["key", "section", "title", "title_en", "title_fr", "position"]


class RecommendationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:recommendation-detail", lookup_field="code"
    )
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
        url = reverse("api:action-item-list", request=self.context.get("request"))
        return f"{url}?{urlencode({'recommendation': recommendation.code})}"


class ActionItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:action-item-detail")
    reference = serializers.CharField(
        read_only=True, help_text=_("Recommendation code and item number, e.g. RT21-07.1.")
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
    updates_url = serializers.HyperlinkedIdentityField(view_name="api:action-item-updates")

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
    # Whether the assignee belongs to the owner agency is the service's rule (action_item_create).


# Errors, for the schema ------------------------------------------------------------------------


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = ActionItemSerializer(
        help_text=_("The item as it is now; its etag is the one to send.")
    )
