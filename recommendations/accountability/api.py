"""The accountability workflow over HTTP: submissions with evidence, verification, extension
requests and their decisions, assessments, and evidence downloads.

The same order of checks as the rest of the API: 401, 404, 403, 428, 412, 400; each write calls
one service, which checks the policy again and writes with a conditional UPDATE.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from agencies.models import User
from agencies.permissions import signed_in_user
from apis.base import TrackerApiMixin
from apis.filters import ApiFilterSet
from apis.serializers import JsonStringField, StrictInputSerializer

from .. import selectors as item_selectors
from ..api.permissions import IsTrackerMember
from ..api.schema import errors, etag_header, if_match_header
from ..api.views import if_match_version
from ..models import ActionItem
from ..services import NOTE_MAX_LENGTH
from . import policies, selectors, services
from .models import (
    Assessment,
    AssessmentRating,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Submission,
    evidence_storage,
)


class DecisionConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone else decided this a moment ago.")
    default_code = "conflict"


def _item(pk: int) -> ActionItem:
    return get_object_or_404(
        item_selectors.action_item_queryset().prefetch_related(
            "recommendation__supporting_agencies"
        ),
        pk=pk,
    )


# Serializers -------------------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    download_url = serializers.SerializerMethodField()
    withdrawn = serializers.BooleanField(source="is_withdrawn", read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "withdrawn",
            "withdrawal_reason",
            "download_url",
        ]

    def get_download_url(self, evidence: Evidence) -> str | None:
        if evidence.is_withdrawn:
            return None
        return reverse(
            "api:evidence-file", kwargs={"pk": evidence.pk}, request=self.context.get("request")
        )


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    action_item: serializers.PrimaryKeyRelatedField[ActionItem] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    submitted_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "action_item",
            "submitted_by",
            "submitted_at",
            "note",
            "links",
            "evidence",
            "decision",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]


class SubmissionCreateSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)
    evidence = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list
    )
    links = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, default=list
    )


class VerificationSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=[services.ACCEPT, services.RETURN])
    reason = JsonStringField(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False, default=""
    )


class ExtensionRequestSerializer(serializers.ModelSerializer[ExtensionRequest]):
    action_item: serializers.PrimaryKeyRelatedField[ActionItem] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "action_item",
            "requested_by",
            "requested_at",
            "current_due_date",
            "proposed_due_date",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]


class ExtensionRequestCreateSerializer(StrictInputSerializer):
    proposed_due_date = serializers.DateField()
    reason = JsonStringField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


class ExtensionDecisionSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=[services.APPROVE, services.REJECT])
    reason = JsonStringField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    action_item: serializers.PrimaryKeyRelatedField[ActionItem] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    assessed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Assessment
        fields = ["id", "action_item", "assessed_by", "assessed_at", "rating", "rationale"]


class AssessmentCreateSerializer(StrictInputSerializer):
    rating = serializers.ChoiceField(choices=AssessmentRating.choices)
    rationale = JsonStringField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


# Views ---------------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary=_("List an item's submissions for verification, with their evidence"),
        responses={200: SubmissionSerializer(many=True), **errors(403, 404)},
    ),
    post=extend_schema(
        summary=_("Submit an item for verification"),
        description=_(
            "Multipart: a closing note, evidence files (repeat the field; PDF, Word, Excel, "
            "PowerPoint, CSV, plain text, PNG, JPEG; the type is read from the content) and/or "
            "links (repeat the field). The item becomes awaiting_verification. Needs If-Match."
        ),
        request={"multipart/form-data": SubmissionCreateSerializer},
        parameters=[
            if_match_header(required=True, description=_("The ETag of the item as you read it.")),
            etag_header(201, 412),
        ],
        responses={201: SubmissionSerializer, **errors(400, 403, 404, 412, 415, 428)},
    ),
)
class SubmissionsView(TrackerApiMixin, generics.GenericAPIView[Submission]):
    permission_classes = [IsTrackerMember]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = SubmissionSerializer
    filter_backends: list[type] = []
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        item = _item(pk)
        submissions = selectors.submissions_of(item)
        return Response(
            SubmissionSerializer(submissions, many=True, context={"request": request}).data
        )

    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        item = _item(pk)
        policies.require_submit_for_verification(user, item)
        expected_version = if_match_version(request, item, required=True)
        data = request.data
        if not isinstance(data, QueryDict):
            raise exceptions.UnsupportedMediaType(request.content_type)
        body = {
            "note": data.get("note", ""),
            "evidence": request.FILES.getlist("evidence"),
            "links": data.getlist("links"),
        }
        serializer = SubmissionCreateSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        submission = services.submission_create(
            item=item,
            actor=user,
            expected_version=expected_version,
            note=serializer.validated_data["note"],
            files=serializer.validated_data["evidence"],
            links=serializer.validated_data["links"],
        )
        item.refresh_from_db()
        return Response(
            SubmissionSerializer(
                selectors.submissions_of(item).get(pk=submission.pk), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": item.etag},
        )


@extend_schema_view(
    post=extend_schema(
        summary=_("Accept or return a submission (coordinators)"),
        description=_(
            "accept: the item is completed at 100 %. return: back to in progress at the percent "
            "it had; a reason is required. Nobody verifies their own submission. Needs If-Match."
        ),
        request=VerificationSerializer,
        parameters=[
            if_match_header(required=True, description=_("The ETag of the item as you read it.")),
            etag_header(200, 412),
        ],
        responses={200: SubmissionSerializer, **errors(400, 403, 404, 409, 412, 415, 428)},
    ),
)
class VerificationView(TrackerApiMixin, generics.GenericAPIView[ActionItem]):
    permission_classes = [IsTrackerMember]
    serializer_class = VerificationSerializer
    filter_backends: list[type] = []

    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        item = _item(pk)
        pending = services.submission_pending(item)
        policies.require_verify(user, item, pending)
        expected_version = if_match_version(request, item, required=True)
        serializer = VerificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            submission = services.verification_decide(
                item=item,
                actor=user,
                expected_version=expected_version,
                **serializer.validated_data,
            )
        except services.DecisionConflict as conflict:
            raise DecisionConflictError(conflict.message) from conflict
        item.refresh_from_db()
        return Response(
            SubmissionSerializer(
                selectors.submissions_of(item).get(pk=submission.pk), context={"request": request}
            ).data,
            headers={"ETag": item.etag},
        )


@extend_schema_view(
    get=extend_schema(
        summary=_("List an item's extension requests"),
        responses={200: ExtensionRequestSerializer(many=True), **errors(403, 404)},
    ),
    post=extend_schema(
        summary=_("Request an extension of the due date (owner agency)"),
        request=ExtensionRequestCreateSerializer,
        parameters=[etag_header(201)],
        responses={201: ExtensionRequestSerializer, **errors(400, 403, 404, 415)},
    ),
)
class ItemExtensionRequestsView(TrackerApiMixin, generics.GenericAPIView[ExtensionRequest]):
    permission_classes = [IsTrackerMember]
    serializer_class = ExtensionRequestSerializer
    filter_backends: list[type] = []
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        item = _item(pk)
        rows = selectors.extension_request_list().filter(action_item=item)
        return Response(ExtensionRequestSerializer(rows, many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        item = _item(pk)
        policies.require_request_extension(user, item)
        serializer = ExtensionRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_request_create(
            item=item, actor=user, **serializer.validated_data
        )
        item.refresh_from_db()
        return Response(
            ExtensionRequestSerializer(extension).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": item.etag},
        )


class ExtensionRequestFilter(ApiFilterSet):
    status = filters.ChoiceFilter(
        choices=ExtensionStatus.choices, help_text=_("pending, approved or rejected.")
    )
    agency = filters.CharFilter(
        field_name="action_item__owner_agency__acronym",
        help_text=_("The owner agency's acronym."),
    )

    class Meta(ApiFilterSet.Meta):
        model = ExtensionRequest
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary=_("List extension requests, oldest first"),
        responses={200: ExtensionRequestSerializer(many=True), **errors(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read an extension request"),
        responses={200: ExtensionRequestSerializer, **errors(403, 404)},
    ),
)
class ExtensionRequestViewSet(
    TrackerApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[ExtensionRequest],
):
    serializer_class = ExtensionRequestSerializer
    permission_classes = [IsTrackerMember]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ExtensionRequestFilter

    def get_queryset(self) -> QuerySet[ExtensionRequest]:
        return selectors.extension_request_list()


@extend_schema_view(
    post=extend_schema(
        summary=_("Approve or reject an extension request"),
        description=_(
            "Coordinators, or managers of the recommendation's lead agency when it is not the "
            "owner agency; never the requester. Approval changes the due date (the original due "
            "date stays as it was)."
        ),
        request=ExtensionDecisionSerializer,
        responses={200: ExtensionRequestSerializer, **errors(400, 403, 404, 409, 415)},
    ),
)
class ExtensionDecisionView(TrackerApiMixin, generics.GenericAPIView[ExtensionRequest]):
    permission_classes = [IsTrackerMember]
    serializer_class = ExtensionDecisionSerializer
    filter_backends: list[type] = []

    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        extension = get_object_or_404(selectors.extension_request_list(), pk=pk)
        policies.require_decide_extension(user, extension)
        serializer = ExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            decided = services.extension_request_decide(
                request=extension, actor=user, **serializer.validated_data
            )
        except services.DecisionConflict as conflict:
            raise DecisionConflictError(conflict.message) from conflict
        item = ActionItem.objects.get(pk=decided.action_item_id)
        return Response(ExtensionRequestSerializer(decided).data, headers={"ETag": item.etag})


@extend_schema_view(
    get=extend_schema(
        summary=_("List an item's assessments, newest first"),
        responses={200: AssessmentSerializer(many=True), **errors(403, 404)},
    ),
    post=extend_schema(
        summary=_("Record an assessment (coordinators)"),
        request=AssessmentCreateSerializer,
        parameters=[etag_header(201)],
        responses={201: AssessmentSerializer, **errors(400, 403, 404, 415)},
    ),
)
class AssessmentsView(TrackerApiMixin, generics.GenericAPIView[Assessment]):
    permission_classes = [IsTrackerMember]
    serializer_class = AssessmentSerializer
    filter_backends: list[type] = []
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        item = _item(pk)
        rows = Assessment.objects.filter(action_item=item).select_related("assessed_by")
        return Response(AssessmentSerializer(rows, many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        item = _item(pk)
        policies.require_assess(user, item)
        serializer = AssessmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.assessment_create(item=item, actor=user, **serializer.validated_data)
        item.refresh_from_db()
        return Response(
            AssessmentSerializer(assessment).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": item.etag},
        )


@extend_schema(
    summary=_("Download an evidence file"),
    description=_("Served as an attachment, with the type detected when it was uploaded."),
    responses={(200, "application/octet-stream"): bytes, **errors(403, 404)},
)
class EvidenceFileView(TrackerApiMixin, APIView):
    permission_classes = [IsTrackerMember]

    def get(self, request: Request, pk: int) -> FileResponse:
        evidence = get_object_or_404(
            Evidence.objects.select_related("submission__action_item"), pk=pk
        )
        return evidence_response(request.user, evidence)


def evidence_response(user: Any, evidence: Evidence) -> FileResponse:
    """Stream an evidence file to someone who may see its item: always an attachment, with the
    content type detected at upload and nosniff, so a browser never runs it as a page."""
    policies.require_view_evidence(user, evidence.submission.action_item)
    if evidence.is_withdrawn or not evidence.file.name:
        raise Http404(_("This file was withdrawn."))
    try:
        handle = evidence_storage().open(evidence.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("This file is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
