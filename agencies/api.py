"""Agencies, people and API tokens over HTTP (under /api/v1/).

It lives here rather than in ``agencies`` because it asks ``recommendations.policies`` (the one
place for permission rules), and ``agencies`` imports nothing from ``recommendations``.
"""

from typing import Any, TypeVar

from django.contrib.auth import authenticate
from django.db.models import (
    Exists,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, generics, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from agencies import policies, throttling
from agencies.forms import throttled_error
from agencies.models import Agency, ApiToken, Membership, User
from agencies.permissions import IsTrackerMember, signed_in_user
from agencies.selectors import agency_list, user_directory
from agencies.services import api_token_create, api_token_revoke, api_tokens_revoke_all
from apis.base import LOOKUP_TEXT, TrackerApiMixin
from apis.filters import (
    ApiFilterBackend,
    ApiFilterSet,
    ApiSearchFilter,
    CharInFilter,
    ChoiceInFilter,
)
from apis.schema import errors
from apis.serializers import IdentityLinkField, JsonStringField, StrictInputSerializer

# Serializers -----------------------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer[Agency]):
    url = IdentityLinkField(view_name="api:agency-detail", lookup_field="acronym")
    name = serializers.CharField(read_only=True, help_text=_("In the language of the request."))

    class Meta:
        model = Agency
        fields = ["acronym", "url", "name", "name_en", "name_fr", "level", "kind"]


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )

    class Meta:
        model = Membership
        fields = ["agency", "role"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer[User]):
    """A colleague as other members see them: no email unless ``can_see_contact_details``."""

    url = IdentityLinkField(view_name="api:user-detail", lookup_field="username")
    display_name = serializers.CharField(read_only=True)
    memberships = MembershipSerializer(many=True, read_only=True)
    email = serializers.SerializerMethodField(
        help_text=_(
            "Shown to the person, to members of one of their agencies and to coordinators; "
            "null to others."
        )
    )

    class Meta:
        model = User
        fields = [
            "username",
            "url",
            "display_name",
            "first_name",
            "last_name",
            "email",
            "memberships",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, person: User) -> str | None:
        viewer = self.context["request"].user
        return person.email if policies.can_see_contact_details(viewer, person) else None


class MeSerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)
    memberships = MembershipSerializer(many=True, read_only=True)
    is_coordinator = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "first_name",
            "last_name",
            "email",
            "language",
            "is_coordinator",
            "memberships",
        ]
        read_only_fields = fields

    def get_is_coordinator(self, user: User) -> bool:
        return policies.roles_of(user).is_coordinator


class TokenRequestSerializer(StrictInputSerializer):
    username = JsonStringField(max_length=150)
    password = JsonStringField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    name = JsonStringField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("Optional: what the token is for, shown on your profile page."),
    )


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(
        read_only=True, help_text=_("Send it as “Authorization: Token <token>”.")
    )


# Filters ---------------------------------------------------------------------------------------


class AgencyFilter(ApiFilterSet):
    level = ChoiceInFilter(choices=Agency.Level.choices, help_text=_("Levels, comma-separated."))
    kind = ChoiceInFilter(choices=Agency.Kind.choices, help_text=_("Kinds, comma-separated."))

    class Meta(ApiFilterSet.Meta):
        model = Agency
        fields: list[str] = []


class PersonFilter(ApiFilterSet):
    """``agency`` and ``role`` apply to the same membership: ``?agency=RCMP&role=manager`` are
    the managers of the RCMP, not managers somewhere who also belong to the RCMP."""

    agency = CharInFilter(
        method="filter_by_membership", help_text=_("Agency acronyms, comma-separated.")
    )
    role = ChoiceInFilter(
        method="filter_by_membership",
        choices=Membership.Role.choices,
        help_text=_("Roles in those agencies, comma-separated."),
    )

    class Meta(ApiFilterSet.Meta):
        model = User
        fields: list[str] = []

    def filter_by_membership(
        self, queryset: QuerySet[User], name: str, value: list[str]
    ) -> QuerySet[User]:
        return queryset  # Both are applied together in filter_queryset.

    def filter_queryset(self, queryset: QuerySet[User]) -> QuerySet[User]:
        queryset = super().filter_queryset(queryset)
        agencies = self.form.cleaned_data.get("agency")
        roles = self.form.cleaned_data.get("role")
        if not agencies and not roles:
            return queryset
        memberships = Membership.objects.filter(user=OuterRef("pk"))
        if agencies:
            memberships = memberships.filter(agency__acronym__in=agencies)
        if roles:
            memberships = memberships.filter(role__in=roles)
        return queryset.filter(Exists(memberships))


# Views -----------------------------------------------------------------------------------------

_M = TypeVar("_M", bound=Model)


class MembersReadOnlyViewSet(TrackerApiMixin, viewsets.ReadOnlyModelViewSet[_M]):
    """A list and detail that every member of an agency may read, filtered and searched, each row
    found by a text key (``lookup_field``: an acronym, a username, a code). Agencies, people and
    recommendations are read this way."""

    permission_classes = [IsTrackerMember]
    filter_backends = [ApiFilterBackend, ApiSearchFilter]
    lookup_value_regex = LOOKUP_TEXT


@extend_schema_view(
    list=extend_schema(
        summary=_("List agencies"),
        responses={200: AgencySerializer(many=True), **errors(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read an agency"), responses={200: AgencySerializer, **errors(403, 404)}
    ),
)
class AgencyViewSet(MembersReadOnlyViewSet[Agency]):
    serializer_class = AgencySerializer
    filterset_class = AgencyFilter
    search_fields = ["acronym", "name_en", "name_fr"]
    lookup_field = "acronym"

    def get_queryset(self) -> QuerySet[Agency]:
        return agency_list()


@extend_schema_view(
    list=extend_schema(
        summary=_("List people"),
        description=_(
            "Active members of the agencies, with their agencies and roles. An email address is "
            "shown only to the person, to members of one of their agencies and to coordinators."
        ),
        responses={200: PersonSerializer(many=True), **errors(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary=_("Read a person"), responses={200: PersonSerializer, **errors(403, 404)}
    ),
)
class UserViewSet(MembersReadOnlyViewSet[User]):
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["username", "first_name", "last_name"]
    lookup_field = "username"

    def get_queryset(self) -> QuerySet[User]:
        return user_directory()


@extend_schema(
    summary=_("Read your own account"),
    description=_("Who the token or session belongs to, and their agencies and roles."),
    responses={200: MeSerializer, **errors()},
)
class MeView(TrackerApiMixin, generics.RetrieveAPIView[User]):
    serializer_class = MeSerializer
    # Open to a signed-in person with no agency yet, so that they can see why they are refused.
    permission_classes = [IsAuthenticated]

    def get_object(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        prefetch_related_objects(
            [user], Prefetch("memberships", queryset=Membership.objects.select_related("agency"))
        )
        return user


class AuthTokenView(TrackerApiMixin, APIView):
    # POST exchanges a username and password for a token; DELETE revokes it.

    throttle_scope = "auth_token"

    def get_authenticators(self) -> list[BaseAuthentication]:
        # The credentials are in the body: a session cookie (and its CSRF check) has no say.
        # (``request`` is None while drf-spectacular builds the schema.)
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self) -> list[BaseThrottle]:
        # Password guessing is slowed down by the sign-in throttle (per account and address,
        # with a growing cool-off) that the web and admin sign-in share, inside authenticate().
        return super().get_throttles()

    @extend_schema(
        summary=_("Obtain a token"),
        description=_(
            "Exchange a username and password for a token, then send “Authorization: Token "
            "<token>” with each request. Each sign-in returns a new token; a token dies when it "
            "is revoked, when it has not been used for API_TOKEN_IDLE_DAYS days (30 by default) "
            "and when the password changes. Repeated failures pause sign-in for this account and "
            "address (429, with Retry-After)."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **errors(400, 415, 429, signed_in=False)},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        refused_for = throttling.signin_refused_for(request._request)
        if refused_for:
            return Response(
                {"detail": throttled_error(refused_for).messages[0]},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(refused_for)},
            )
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to sign in with this username and password.")]}
            )
        _token, key = api_token_create(user=user, name=serializer.validated_data.get("name", ""))
        return Response({"token": key})

    @extend_schema(
        summary=_("Revoke your token"),
        description=_(
            "Deletes the token the request is signed with (signed in by session: all of the "
            "caller's tokens): requests that send it are refused from now on. Obtain a new one "
            "with POST."
        ),
        request=None,
        responses={204: OpenApiResponse(description=_("Revoked.")), **errors()},
    )
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in_user(request)
        if isinstance(request.auth, ApiToken):
            api_token_revoke(user=user, token_id=request.auth.pk)
        else:
            api_tokens_revoke_all(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
