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
    IdentityLinkField,
    JsonBooleanField,
    JsonIntegerField,
    JsonStringField,
    NamedObjectField,
    StrictInputSerializer,
    link_template,
)
from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Status, Theme
from recommendations.services import NOTE_MAX_LENGTH


class ActiveUsernameField(NamedObjectField[User]):
    """A person named by username; only active accounts can be named."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(slug_field="username", **kwargs)


# Read ------------------------------------------------------------------------------------------


class ThemeSerializer(serializers.ModelSerializer[Theme]):
    title = serializers.CharField(read_only=True, help_text=_("In the language of the request."))

    class Meta:
        model = Theme
        fields = ["key", "section", "title", "title_en", "title_fr", "position"]


class RecommendationSerializer(serializers.ModelSerializer[Recommendation]):
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
            "published",
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
        prefix, _ = link_template(
            self.context,
            "api:action-item-list",
            lambda placeholder: (
                reverse("api:action-item-list", request=self.context.get("request")) + placeholder
            ),
        )
        return f"{prefix}?{urlencode({'recommendation': recommendation.code})}"


class VerificationSummarySerializer(serializers.Serializer[dict[str, Any]]):
    state = serializers.ChoiceField(choices=["pending", "accepted", "returned"])
    submitted_by = serializers.CharField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class OpenExtensionSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    proposed_due_date = serializers.DateField()


class LatestAssessmentSerializer(serializers.Serializer[dict[str, Any]]):
    rating = serializers.CharField()
    assessed_at = serializers.DateTimeField()


class ActionItemSerializer(serializers.ModelSerializer[ActionItem]):
    url = IdentityLinkField(view_name="api:action-item-detail")
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
    updates_url = IdentityLinkField(view_name="api:action-item-updates")
    verification = serializers.SerializerMethodField(
        help_text=_(
            "The latest submission for verification: state pending (reported complete), "
            "accepted (verified complete) or returned; null if never submitted."
        )
    )
    open_extension_request = serializers.SerializerMethodField(
        help_text=_("The pending extension request, or null.")
    )
    latest_assessment = serializers.SerializerMethodField(
        help_text=_("The coordinators' latest assessment (rating and when), or null.")
    )
    discrepancy = serializers.BooleanField(
        source="is_discrepant",
        read_only=True,
        help_text=_(
            "The latest assessment is off track or insufficient information while the agency "
            "reports in progress or awaiting verification, or it is out of date."
        ),
    )

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
            "verification",
            "open_extension_request",
            "latest_assessment",
            "discrepancy",
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
            "verification": self.get_verification(instance),
            "open_extension_request": self.get_open_extension_request(instance),
            "latest_assessment": self.get_latest_assessment(instance),
            "discrepancy": instance.is_discrepant,
        }

    @extend_schema_field(VerificationSummarySerializer(allow_null=True))
    def get_verification(self, item: ActionItem) -> dict[str, Any] | None:
        decision = getattr(item, "verification_decision", None)
        if decision is None:
            return None
        return VerificationSummarySerializer(
            {
                "state": decision,
                "submitted_by": item.verification_submitted_by,  # type: ignore[attr-defined]
                "submitted_at": item.verification_submitted_at,  # type: ignore[attr-defined]
                "decided_by": item.verification_decided_by,  # type: ignore[attr-defined]
                "decided_at": item.verification_decided_at,  # type: ignore[attr-defined]
            }
        ).data

    @extend_schema_field(OpenExtensionSerializer(allow_null=True))
    def get_open_extension_request(self, item: ActionItem) -> dict[str, Any] | None:
        request_id = getattr(item, "open_extension_id", None)
        if request_id is None:
            return None
        return OpenExtensionSerializer(
            {"id": request_id, "proposed_due_date": item.open_extension_proposed}  # type: ignore[attr-defined]
        ).data

    @extend_schema_field(LatestAssessmentSerializer(allow_null=True))
    def get_latest_assessment(self, item: ActionItem) -> dict[str, Any] | None:
        if not item.latest_assessment_rating:
            return None
        return LatestAssessmentSerializer(
            {"rating": item.latest_assessment_rating, "assessed_at": item.latest_assessment_at}
        ).data


class ProgressUpdateSerializer(serializers.ModelSerializer[ProgressUpdate]):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    assignee_before: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    assignee_after: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    is_creation = serializers.BooleanField(
        read_only=True,
        help_text=_(
            'true for the item\'s first entry, its creation: the "after" values are what it '
            'started with, and the "before" values are null.'
        ),
    )
    status_before = serializers.ChoiceField(choices=Status.choices, read_only=True, allow_null=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "action_item",
            "author",
            "created_at",
            "is_creation",
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

    def to_representation(self, instance: ProgressUpdate) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if instance.is_creation:
            data["status_before"] = None  # stored empty: the column is NOT NULL
        return data


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
    confirm_past_due_date = JsonBooleanField(
        required=False,
        help_text=_(
            "true to set a due date in the past (coordinators only; anyone else gets 403). "
            "Without it a past due date is refused with 400."
        ),
    )


class RecommendationPublishSerializer(StrictInputSerializer):
    """``PATCH /recommendations/{code}/``: publish or unpublish (coordinators), with a reason."""

    published = serializers.BooleanField(
        help_text=_("Shown on the public progress page and in the open data.")
    )
    reason = JsonStringField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_("Why; required to unpublish. Kept on the publication timeline."),
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
    confirm_past_due_date = JsonBooleanField(
        required=False,
        default=False,
        help_text=_(
            "true to set a due date in the past (coordinators only; anyone else gets 403). "
            "Without it a past due date is refused with 400."
        ),
    )
    # Whether the assignee belongs to the owner agency is the service's rule (action_item_create).


# Errors, for the schema ------------------------------------------------------------------------


class ConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    current = ActionItemSerializer(
        help_text=_("The item as it is now; its etag is the one to send.")
    )
