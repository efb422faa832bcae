"""Recommendations, action items and progress updates over HTTP.

Each write follows the same steps, in this order, so that a caller always learns the most
useful thing first: who you are (401), whether the item exists (404), whether you may write the
fields you sent (403), whether you said which version you are changing (428) and whether it is
still the current one (412), whether the values are valid (400); then one service call writes
with a conditional UPDATE, so a writer who raced past the early 412 still cannot overwrite.
"""

import datetime
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import Serializer
from rest_framework.settings import api_settings

from agencies.api import MembersReadOnlyViewSet
from agencies.models import User
from agencies.selectors import user_roles
from apis.filters import ApiFilterBackend, ApiSearchFilter
from apis.versions import versions_read_first
from recommendations import caching, policies, selectors, services
from recommendations.models import ActionItem, ProgressUpdate, Recommendation

from .base import TrackerApiMixin, signed_in_user
from .exceptions import PreconditionRequired
from .filters import ActionItemFilter, ProgressUpdateFilter, RecommendationFilter
from .permissions import ActionItemPermission, IsTrackerMember, ProgressUpdatePermission
from .schema import errors, etag_header, if_match_header, if_none_match_header
from .serializers import (
    ActionItemChangeSerializer,
    ActionItemCreateSerializer,
    ActionItemSerializer,
    ProgressUpdateCreateSerializer,
    ProgressUpdateSerializer,
    RecommendationPublishSerializer,
    RecommendationSerializer,
)

# Preconditions ---------------------------------------------------------------------------------


def requested_fields(data: Any, serializer_class: type[Serializer[Any]]) -> set[str]:
    """The writable fields a request body names (whatever their values)."""
    if not isinstance(data, Mapping):
        return set()
    return set(data) & set(serializer_class().fields)


def refuse_fields_not_writable(user: User, item: ActionItem, fields: Iterable[str]) -> None:
    """403 if the body names a field this user may not write on this item, whatever its value
    (the policy's message, turned into a DRF 403 by the exception handler)."""
    policies.require_writable_fields(user, item, set(fields))


def if_match_version(request: Request, item: ActionItem, *, required: bool) -> int | None:
    """The version the caller read, from If-Match; 428 if it is needed and missing, 412 (via
    ActionItemConflict) if it is not the item's current ETag. ``*`` is refused: it would let a
    caller overwrite changes they have never seen."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    tags = {_quoted(tag.strip()) for tag in header.split(",") if tag.strip()}
    if '"*"' in tags:
        raise PreconditionRequired(
            _("If-Match: * is not accepted; send the ETag of the version you read.")
        )
    if item.etag not in tags:
        raise services.ActionItemConflict(item)
    return item.version


def if_none_match(request: Request, etag: str) -> bool:
    """Whether If-None-Match names ``etag`` (or ``*``): the caller's copy is current, so a GET
    answers 304 with no body. Weak comparison, as RFC 9110 prescribes for If-None-Match."""
    header = request.headers.get("If-None-Match", "").strip()
    if not header:
        return False
    tags = {_quoted(tag.strip()).removeprefix("W/") for tag in header.split(",") if tag.strip()}
    return '"*"' in tags or etag.removeprefix("W/") in tags


def _quoted(tag: str) -> str:
    # Strong comparison (RFC 9110): a weak tag never matches. Unquoted tags are accepted as a
    # courtesy to hand-written clients.
    return tag if tag.startswith(('"', "W/")) else f'"{tag}"'


class CreateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "Another item was added to this recommendation at the same moment; send the request again."
    )
    default_code = "conflict"


# The items a read shows (its cached answer ends when one of them turns stale).
ShownItems = list[ActionItem]


@dataclass(frozen=True)
class RenderedResponse:
    """A 200 answer as DRF rendered it: its body, and the headers the view and DRF gave it (the
    middleware adds its own to each copy, as to any response)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, response: HttpResponseBase) -> "RenderedResponse":
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        assert isinstance(response, HttpResponse)
        assert response.status_code == 200
        return cls(response.content, tuple(response.items()))

    def copy(self) -> Response:
        # A DRF Response whose content is set is rendered already: nothing renders it again.
        response = Response(headers=dict(self.headers))
        response.content = self.content
        return response


# Views -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List recommendations"),
        description=_("With their progress, rolled up from their action items."),
        responses={200: RecommendationSerializer(many=True), **errors(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a recommendation"),
        responses={200: RecommendationSerializer, **errors(403, 404)},
    ),
    partial_update=extend_schema(
        summary=_("Publish or unpublish a recommendation (coordinators)"),
        description=_(
            'Send {"published": true} to show it on the public progress page and in the open '
            'data, or {"published": false, "reason": ...} to withdraw it; the reason is kept '
            "on its publication timeline. Asking for the state it already has changes nothing."
        ),
        request=RecommendationPublishSerializer,
        responses={200: RecommendationSerializer, **errors(400, 403, 404, 415)},
    ),
)
class RecommendationViewSet(MembersReadOnlyViewSet[Recommendation]):
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter
    search_fields = ["code", "title_en", "title_fr"]
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Recommendation]:
        return selectors.recommendation_list_with_progress().prefetch_related("supporting_agencies")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recommendation = self.get_object()
        actor = signed_in_user(request)
        # Who may publish is asked before the body is read: a refused caller learns only that.
        policies.check_publish(actor, recommendation)
        serializer = RecommendationPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.recommendation_set_published(
            recommendation=recommendation,
            actor=actor,
            published=serializer.validated_data["published"],
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_object()).data)


_PATCH_DESCRIPTION = _(
    "Change any of status, percent_complete, due_date and assignee, with an optional note "
    "saying why; the change is recorded as a progress update and notified as in the web pages. "
    "Staff of the owner agency may change status and percent; only its managers and "
    "coordinators may change due_date and assignee (a body naming a field you may not change is "
    "refused with 403, whatever its value). Send the item's ETag in If-Match: without it the "
    "request is refused with 428; if the item changed since, with 412 and the current item. "
    "A PATCH whose values equal the current ones (and no note) writes nothing and answers 200 "
    "with the item and its unchanged ETag."
)
_UPDATE_DESCRIPTION = _(
    "Record a progress update: a note, a new status or percent, or all three. Agencies "
    "supporting the recommendation may add a note; only the owner agency and coordinators may "
    "change status and percent. A note alone needs no If-Match (it overwrites nothing); a change "
    "of status or percent needs the item's ETag in If-Match (428 without it, 412 if stale). The "
    "response carries the item's new ETag."
)


@extend_schema_view(
    list=extend_schema(
        summary=_("List action items"),
        responses={200: ActionItemSerializer(many=True), **errors(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read an action item"),
        description=_(
            "The ETag header is the value to send in If-Match to change it. Send it in "
            "If-None-Match to poll: 304 with no body while the item is unchanged."
        ),
        parameters=[etag_header(200, 304), if_none_match_header()],
        responses={
            200: ActionItemSerializer,
            304: OpenApiResponse(description=_("Not modified: your copy is current.")),
            **errors(403, 404),
        },
    ),
    create=extend_schema(
        summary=_("Add an action item (coordinators)"),
        request=ActionItemCreateSerializer,
        parameters=[etag_header(201)],
        responses={201: ActionItemSerializer, **errors(400, 403, 409, 415)},
    ),
    partial_update=extend_schema(
        summary=_("Change an action item"),
        description=_PATCH_DESCRIPTION,
        request=ActionItemChangeSerializer,
        parameters=[
            if_match_header(required=True, description=_("The ETag of the item as you read it.")),
            etag_header(200, 412),
        ],
        responses={200: ActionItemSerializer, **errors(400, 403, 404, 412, 415, 428)},
    ),
)
class ActionItemViewSet(
    TrackerApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[ActionItem],
):
    serializer_class = ActionItemSerializer
    permission_classes = [IsTrackerMember, ActionItemPermission]
    filter_backends = [ApiFilterBackend, ApiSearchFilter]
    filterset_class = ActionItemFilter
    search_fields = ["title_en", "title_fr", "recommendation__code"]

    def get_queryset(self) -> QuerySet[ActionItem]:
        # Flags as at the moment the cached read's key was taken (``_read``), so that an entry
        # and its key always name the same day.
        items = selectors.action_item_queryset(now=getattr(self.request, "read_at", None))
        if self.request.method not in SAFE_METHODS:
            # Who may add a note depends on the recommendation's supporting agencies.
            items = items.prefetch_related("recommendation__supporting_agencies")
        return items

    def filter_queryset(self, queryset: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        # Filters and search choose the rows of a list; a detail request or a write names its row
        # by id. Building the filter form for it was 12 ms of a 40 ms detail request (profile).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _item_response(self, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        # Read again through the selector: overdue and stale are computed by the database.
        item = selectors.action_item_queryset().get(pk=pk)
        headers = {"ETag": item.etag}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = reverse(
                "api:action-item-detail", kwargs={"pk": pk}, request=self.request
            )
        return Response(self.get_serializer(item).data, status=status_code, headers=headers)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._read(request, self._list_page)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self._read(request, self._item)
        etag = response.get("ETag", "")
        if etag and if_none_match(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return response

    def _list_page(self) -> tuple[Response, ShownItems]:
        """DRF's list (filter, paginate, serialise), keeping the rows it shows."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        data = self.get_serializer(rows, many=True).data
        if page is None:
            return Response(data), rows
        return self.get_paginated_response(data), rows

    def _item(self) -> tuple[Response, ShownItems]:
        item = self.get_object()  # 404, and the object permissions, as for any detail
        return Response(self.get_serializer(item).data, headers={"ETag": item.etag}), [item]

    def _read(self, request: Request, build: Callable[[], tuple[Response, ShownItems]]) -> Response:
        """The response of ``build``, rendered once and served again from this process's memory
        until anything it shows may have changed (``caching.versioned_in_process``).

        A list page was ~40 ms and a detail ~13 ms of a core, almost all of it rebuilding the
        same answer: the COUNT over every item, the query with its subqueries compiled by the ORM,
        50 rows serialised (profile, issue 12). The key holds the data version (any write
        changes it), the date (overdue), the language, the caller and their roles, the address
        with its query string, the host (links are absolute) and the renderer; an entry also
        ends the moment one of its items turns stale (``caching.stale_crossing_of``). Everything
        before the view (authentication, permissions, throttles, the refusal of unknown
        parameters) runs for every request; only a 200 is kept, so every refusal is decided
        afresh.
        """
        if request.accepted_renderer.format != "json":
            return build()[0]  # the browsable API (DEBUG only): rendered per request
        if self.action == "list" and "stale" in request.query_params:
            # Which items such a list holds changes whenever any open item turns stale, about
            # every second at the brief's scale: an entry would hardly ever be read again.
            return build()[0]

        def compute(now: datetime.datetime) -> caching.Timed[RenderedResponse]:
            request.read_at = now  # type: ignore[attr-defined]  # read by get_queryset, filters
            response, rows = build()
            rendered = RenderedResponse.of(self.finalize_response(request, response))
            until = caching.stale_crossing_of(rows, now=now)
            return caching.Timed(rendered, until, len(rendered.content))

        return caching.versioned_in_process(
            "api-action-item-read",
            self._read_key_parts(request),
            compute,
            # Read with the token's credentials, in the same round trip, if the caller sent one.
            version=versions_read_first(request._request).get("data"),
        ).copy()

    def _read_key_parts(self, request: Request) -> tuple[Hashable, ...]:
        """What a read's answer depends on besides the data version, the date and the language
        (which ``caching.versioned_key`` adds)."""
        roles = user_roles(request.user)
        return (
            self.action,
            request.path,
            request.META.get("QUERY_STRING", ""),
            request.scheme,
            request.get_host(),
            type(request.accepted_renderer).__qualname__,
            request.accepted_media_type,
            request.user.pk,
            tuple(sorted(roles.member_of)),
            tuple(sorted(roles.manager_of)),
            roles.is_coordinator,
            roles.is_superuser,
            timezone.get_current_timezone_name(),  # the times are written in it
            settings.ASSESSMENT_OUT_OF_DATE_DAYS,
            api_settings.PAGE_SIZE,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ActionItemCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            item = services.action_item_create(
                recommendation=data["recommendation"],
                actor=signed_in_user(request),
                title_en=data["title_en"],
                title_fr=data["title_fr"],
                description_en=data["description_en"],
                description_fr=data["description_fr"],
                owner_agency_id=data["owner_agency"].pk,
                due_date=data["due_date"],
                assignee=data["assignee"],
                confirm_past_due_date=data["confirm_past_due_date"],
            )
        except IntegrityError as error:
            # Another coordinator took the same item number a moment ago.
            raise CreateConflict() from error
        return self._item_response(item.pk, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        refuse_fields_not_writable(
            signed_in_user(request),
            item,
            requested_fields(request.data, ActionItemChangeSerializer),
        )
        expected_version = if_match_version(request, item, required=True)
        serializer = ActionItemChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            change = services.action_item_change(
                item=item,
                actor=signed_in_user(request),
                expected_version=expected_version,
                **serializer.validated_data,
            )
        except services.NothingToRecord:
            if not serializer.validated_data:
                raise  # an empty body names nothing to change: a mistake, not a sync
            # Idempotent: a sync client pushing the state it holds gets the item, unchanged.
            return self._item_response(item.pk)
        return self._item_response(change.item.pk)


@extend_schema_view(
    get=extend_schema(
        summary=_("List an action item's progress updates"),
        description=_("Its timeline, newest first."),
        responses={200: ProgressUpdateSerializer(many=True), **errors(400, 403, 404)},
    ),
    post=extend_schema(
        summary=_("Record a progress update"),
        description=_UPDATE_DESCRIPTION,
        request=ProgressUpdateCreateSerializer,
        parameters=[
            if_match_header(
                required=False,
                description=_(
                    "The ETag of the item as you read it; required to change status or percent."
                ),
            ),
            etag_header(201, 412),
        ],
        responses={201: ProgressUpdateSerializer, **errors(400, 403, 404, 412, 415, 428)},
    ),
)
class ActionItemUpdatesView(TrackerApiMixin, generics.ListCreateAPIView[ProgressUpdate]):
    serializer_class = ProgressUpdateSerializer
    permission_classes = [IsTrackerMember, ProgressUpdatePermission]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        return selectors.progress_update_queryset().filter(action_item_id=self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not ActionItem.objects.filter(pk=self.kwargs["pk"]).exists():
            raise exceptions.NotFound()
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = get_object_or_404(
            selectors.action_item_queryset().prefetch_related(
                "recommendation__supporting_agencies"
            ),
            pk=self.kwargs["pk"],
        )
        self.check_object_permissions(request, item)
        fields = requested_fields(request.data, ProgressUpdateCreateSerializer)
        refuse_fields_not_writable(signed_in_user(request), item, fields)
        expected_version = if_match_version(
            request, item, required=bool(fields & {"status", "percent_complete"})
        )
        serializer = ProgressUpdateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.action_item_change(
            item=item,
            actor=signed_in_user(request),
            expected_version=expected_version,
            **serializer.validated_data,
        )
        return Response(
            self.get_serializer(change.update).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": change.item.etag},
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("List progress updates across items"),
        description=_(
            "Every progress update, newest first; filter by agency, item, author or time to "
            "follow changes."
        ),
        responses={200: ProgressUpdateSerializer(many=True), **errors(400, 403, 404)},
    ),
)
class ProgressUpdateViewSet(
    TrackerApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet[ProgressUpdate]
):
    serializer_class = ProgressUpdateSerializer
    permission_classes = [IsTrackerMember]
    filter_backends = [ApiFilterBackend]
    filterset_class = ProgressUpdateFilter

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        return selectors.progress_update_queryset()


@csrf_exempt  # A 404 is the answer whatever the method; CSRF would turn a POST into a 403.
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any address under /api/ that names no endpoint: a 404 in JSON, like the API's others."""
    return JsonResponse({"detail": gettext("No such address in the API.")}, status=404)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for /api/schema/, from drf-spectacular-sidecar's local files. GET only: its
    HTML renderer has no template for the metadata DRF returns to OPTIONS (a 500 otherwise).
    The split view serves its start-up script from ``?script`` rather than inline, as the
    Content-Security-Policy requires."""

    http_method_names = ["get", "head"]
