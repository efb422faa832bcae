"""``GET /api/v1/reports/summary/``: the report's numbers, from the same selector as the page.

The query parameters are the page's filters (``agency`` acronym, ``theme`` id,
``recommendation`` code, ``priority``, ``date_from``, ``date_to``), validated by the same form,
so a report's page address and its API address differ only by their path. Percentages are
rounded to one decimal, as on the page; counts are exact.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from agencies.permissions import IsTrackerMember
from apis.base import TrackerApiMixin
from apis.schema import errors
from recommendations.models import OPEN_STATUSES, Priority, Status
from reports import policies

from .forms import ReportFilterForm
from .selectors import (
    AgencyRow,
    RecommendationRow,
    ReportFilters,
    ReportSummary,
    StatusTally,
    ThemeRow,
    in_language,
    one_decimal,
    report_summary,
)


class StatusCountSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Status.choices)
    count = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True, help_text="Share of the group's items.")


# Read once: the enum's ``values`` is rebuilt on every access, and a report asks for it per tally.
_STATUS_VALUES = tuple(Status.values)
_OPEN_VALUES = tuple(status.value for status in OPEN_STATUSES)


class TallySerializer(serializers.Serializer[Any]):
    """Counts for a group of items; percentages are of the group.

    The tallies and the rows that hold them (about 480 in a report at the brief's scale) are
    written by hand, in the declared order: DRF's walk field by field was two thirds of a cached
    summary's 84 ms of CPU (profile, issue 12). The fields stay declared for the schema, and
    ``tests/reports/test_report_api_representation.py`` checks the JSON against DRF's generic
    walk byte for byte.
    """

    total = serializers.IntegerField()
    by_status = serializers.SerializerMethodField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    stale = serializers.IntegerField()
    slipped = serializers.IntegerField(help_text="Items due later than first planned.")
    mean_slip_days = serializers.SerializerMethodField(
        help_text="Mean days of slippage of the items that slipped."
    )
    progress = serializers.SerializerMethodField(
        help_text="Mean percent complete of the items not cancelled."
    )

    def to_representation(self, tally: StatusTally) -> dict[str, Any]:
        return tally_representation(tally)

    @extend_schema_field(StatusCountSerializer(many=True))
    def get_by_status(self, tally: StatusTally) -> list[dict[str, Any]]:
        return [
            {
                "status": value,
                "count": tally.count(value),
                "percent": one_decimal(tally.status_share(value)),
            }
            for value in _STATUS_VALUES
        ]

    def get_mean_slip_days(self, tally: StatusTally) -> float | None:
        return one_decimal(tally.mean_slip_days)

    def get_progress(self, tally: StatusTally) -> float | None:
        return one_decimal(tally.progress)


def tally_representation(tally: StatusTally) -> dict[str, Any]:
    """``TallySerializer``'s JSON of ``tally``, written directly."""
    total = tally.total
    counts = tally.counts
    by_status = []
    for value in _STATUS_VALUES:
        count = counts.get(value, 0)
        by_status.append(
            {
                "status": value,
                "count": count,
                "percent": None if not total else round(100.0 * count / total, 1),
            }
        )
    return {
        "total": int(total),
        "by_status": by_status,
        "open": sum(counts.get(value, 0) for value in _OPEN_VALUES),
        "overdue": int(tally.overdue),
        "stale": int(tally.stale),
        "slipped": int(tally.slipped),
        "mean_slip_days": one_decimal(tally.mean_slip_days),
        "progress": one_decimal(tally.progress),
    }


class ShareOfAllMixin(serializers.Serializer[Any]):
    share_of_all = serializers.SerializerMethodField(help_text="Share of all the report's items.")

    def get_share_of_all(self, row: Any) -> float | None:
        return one_decimal(row.share_of_all)


class AgencyRowSerializer(ShareOfAllMixin):
    acronym = serializers.CharField()
    name = serializers.CharField()
    counts = TallySerializer(source="tally")

    def to_representation(self, row: AgencyRow) -> dict[str, Any]:
        return agency_row_representation(row, get_language())


class ThemeRowSerializer(ShareOfAllMixin):
    id = serializers.IntegerField(source="theme_id")
    title = serializers.CharField()
    section = serializers.CharField()
    counts = TallySerializer(source="tally")

    def to_representation(self, row: ThemeRow) -> dict[str, Any]:
        return theme_row_representation(row, get_language())


class RecommendationRowSerializer(ShareOfAllMixin):
    code = serializers.CharField()
    title = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    theme = serializers.IntegerField(source="theme.theme_id", allow_null=True)
    counts = TallySerializer(source="tally")

    def to_representation(self, row: RecommendationRow) -> dict[str, Any]:
        return recommendation_row_representation(row, get_language())


# The rows' JSON, written directly (see ``TallySerializer``), in ``language``: read once per list,
# as reading the active language costs more than writing a row.


def agency_row_representation(row: AgencyRow, language: str) -> dict[str, Any]:
    return {
        "share_of_all": one_decimal(row.share_of_all),
        "acronym": str(row.acronym),
        "name": in_language(row.name_en, row.name_fr, language=language),
        "counts": tally_representation(row.tally),
    }


def theme_row_representation(row: ThemeRow, language: str) -> dict[str, Any]:
    return {
        "share_of_all": one_decimal(row.share_of_all),
        "id": int(row.theme_id),
        "title": in_language(row.title_en, row.title_fr, language=language),
        "section": str(row.section),
        "counts": tally_representation(row.tally),
    }


def recommendation_row_representation(row: RecommendationRow, language: str) -> dict[str, Any]:
    return {
        "share_of_all": one_decimal(row.share_of_all),
        "code": str(row.code),
        "title": in_language(row.title_en, row.title_fr, language=language),
        "priority": row.priority,
        "theme": None if row.theme is None else int(row.theme.theme_id),
        "counts": tally_representation(row.tally),
    }


_ROW_WRITERS: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "by_agency": agency_row_representation,
    "by_theme": theme_row_representation,
    "by_recommendation": recommendation_row_representation,
}


class SlippageBandSerializer(serializers.Serializer[Any]):
    band = serializers.CharField(source="key")
    min_days = serializers.IntegerField(source="lowest", allow_null=True)
    max_days = serializers.IntegerField(source="highest", allow_null=True)
    count = serializers.IntegerField()
    percent = serializers.SerializerMethodField()

    def get_percent(self, band: Any) -> float | None:
        return one_decimal(band.share)


class ListedItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    owner_agency = serializers.CharField(source="owner_agency.acronym")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=Status.choices)
    due_date = serializers.DateField()
    original_due_date = serializers.DateField()
    last_progress_at = serializers.DateTimeField()


class ItemListSerializer(serializers.Serializer[Any]):
    """The first rows of a list (oldest first) and how many there are in all."""

    total = serializers.IntegerField()
    items = ListedItemSerializer(many=True)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-04"})
class MonthField(serializers.DateField):
    """A calendar month, written YYYY-MM (not a full date, so not ``format: date``)."""

    def to_representation(self, value: Any) -> str:
        # Not strftime: it does not pad years before 1000 on every platform.
        return f"{value.year:04d}-{value.month:02d}"


class MonthPointSerializer(serializers.Serializer[Any]):
    month = MonthField(help_text="YYYY-MM, in the site's time zone.")
    completed = serializers.IntegerField()
    open_at_end = serializers.IntegerField()


class ScopeField(serializers.Field[list[Agency] | None, Any, list[str] | None, Any]):
    def to_representation(self, scope: list[Agency] | None) -> list[str] | None:
        return None if scope is None else [agency.acronym for agency in scope]


class FiltersField(serializers.Field[ReportFilters, Any, dict[str, Any], Any]):
    def to_representation(self, filters: ReportFilters) -> dict[str, Any]:
        return {
            "agency": filters.agency.acronym if filters.agency else None,
            "theme": filters.theme.pk if filters.theme else None,
            "recommendation": filters.recommendation.code if filters.recommendation else None,
            "priority": filters.priority or None,
            "date_from": filters.date_from.isoformat() if filters.date_from else None,
            "date_to": filters.date_to.isoformat() if filters.date_to else None,
        }


class AgencyAccountabilitySerializer(serializers.Serializer[Any]):
    acronym = serializers.CharField()
    reported_complete = serializers.IntegerField(help_text="Items awaiting verification.")
    verified_complete = serializers.IntegerField(help_text="Items completed (verified).")
    extensions_requested = serializers.IntegerField()
    extensions_approved = serializers.IntegerField()
    extensions_rejected = serializers.IntegerField()
    extensions_pending = serializers.IntegerField()
    days_granted = serializers.IntegerField(help_text="Days added by approved extensions.")
    discrepancies = serializers.IntegerField()


class WaitingSubmissionSerializer(serializers.Serializer[Any]):
    item = ListedItemSerializer()
    submitted_at = serializers.DateTimeField()
    days_waiting = serializers.IntegerField()


class AccountabilitySerializer(serializers.Serializer[Any]):
    """Verification, extensions and discrepancies. Every "completed" figure of the report is
    verified complete; ``reported_complete`` is the items awaiting verification."""

    reported_complete = serializers.IntegerField(help_text="Items awaiting verification.")
    verified_complete = serializers.IntegerField(help_text="Items completed (verified).")
    submissions_decided = serializers.IntegerField()
    median_days_to_decision = serializers.FloatField(
        allow_null=True, help_text="Median days from submission to decision (one decimal)."
    )
    submissions_waiting = serializers.IntegerField()
    waiting_longest = WaitingSubmissionSerializer(
        many=True, help_text="The submissions waiting longest, oldest first (at most 10)."
    )
    extensions_requested = serializers.IntegerField()
    extensions_approved = serializers.IntegerField()
    extensions_rejected = serializers.IntegerField()
    extensions_pending = serializers.IntegerField()
    days_granted = serializers.IntegerField(help_text="Days added by approved extensions.")
    redated_more_than_once = serializers.IntegerField(
        help_text="Items whose due date changed more than once."
    )
    slip_days_extensions = serializers.IntegerField(
        help_text="Slippage (current against original due date) from approved extensions, days."
    )
    slip_days_other = serializers.IntegerField(help_text="Slippage from other changes, days.")
    slipped_by_extensions = serializers.IntegerField()
    slipped_otherwise = serializers.IntegerField()
    discrepancies = serializers.IntegerField()
    awaiting_decisions = serializers.IntegerField(
        help_text="Submissions and extension requests waiting for a decision."
    )
    by_agency = AgencyAccountabilitySerializer(many=True)


class ReportSummarySerializer(serializers.Serializer[Any]):
    generated_at = serializers.DateTimeField()
    today = serializers.DateField()
    scope = extend_schema_field(
        {"type": "array", "items": {"type": "string"}, "nullable": True},
    )(ScopeField)(help_text="Acronyms of the agencies covered; null for every agency.")
    filters = extend_schema_field(OpenApiTypes.OBJECT)(FiltersField)()
    totals = TallySerializer()
    by_agency = AgencyRowSerializer(many=True)
    by_theme = ThemeRowSerializer(many=True)
    by_recommendation = RecommendationRowSerializer(many=True)
    slippage = SlippageBandSerializer(many=True)
    overdue = ItemListSerializer()
    stale = ItemListSerializer()
    most_slipped = ItemListSerializer()
    history = MonthPointSerializer(many=True)
    accountability = AccountabilitySerializer()

    def to_representation(self, summary: ReportSummary) -> dict[str, Any]:
        # DRF's walk of the fields (``Serializer.to_representation``), except that the three
        # breakdowns are written directly, in the language read once.
        language = get_language()
        data: dict[str, Any] = {}
        for field in self._readable_fields:
            name = str(field.field_name)  # set by bind(): a declared field's name
            writer = _ROW_WRITERS.get(name)
            if writer is not None:
                data[name] = [writer(row, language) for row in getattr(summary, name)]
                continue
            attribute = field.get_attribute(summary)
            data[name] = None if attribute is None else field.to_representation(attribute)
        return data


_FILTER_PARAMETERS = [
    OpenApiParameter("agency", str, description="Owner agency, by acronym (e.g. RCMP)."),
    OpenApiParameter("theme", int, description="Theme id."),
    OpenApiParameter("recommendation", str, description="Recommendation code."),
    OpenApiParameter("priority", str, enum=Priority.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Items due on or after."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Items due on or before."),
]


class ReportSummaryView(TrackerApiMixin, APIView):
    """The progress report's numbers for the caller's scope: coordinators see every agency;
    managers and staff their agencies' items and those of the recommendations they lead or
    support."""

    permission_classes = [IsTrackerMember]

    @extend_schema(
        operation_id="reports_summary",
        parameters=_FILTER_PARAMETERS,
        responses={200: ReportSummarySerializer, **errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        if not policies.can_view_reports(request.user):
            raise PermissionDenied(_("Only members of an agency may read progress reports."))
        form = ReportFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    field: [str(message) for message in errors]
                    for field, errors in form.errors.items()
                }
            )
        summary: ReportSummary = report_summary(user=request.user, filters=form.report_filters())
        return Response(ReportSummarySerializer(summary).data)
