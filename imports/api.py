"""The imports and exports in the REST API: the same planners, services and writers as the pages.

- ``POST /api/v1/imports/sources/`` (multipart ``file``, optional ``source`` key) previews a
  source workbook; ``POST /api/v1/imports/progress/`` (multipart ``file``) previews a progress
  workbook. Nothing is written; the answer holds the upload's id and what it would do.
- ``POST /api/v1/imports/{id}/confirm/`` applies it (a progress upload with many rows is queued:
  202); ``GET /api/v1/imports/{id}/`` follows it.
- ``GET /api/v1/exports/{recommendations|action-items|timeline}.{csv|xlsx}`` with the list's
  filters streams the export.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.permissions import IsTrackerMember, signed_in_user
from apis.base import TrackerApiMixin
from apis.query import allowed_query_parameters, refuse_unknown_query_parameters
from apis.schema import errors
from recommendations import policies
from recommendations.api.filters import (
    ActionItemFilter,
    ProgressUpdateFilter,
    RecommendationFilter,
)
from recommendations.models import ActionItem, ProgressUpdate, Recommendation, Source

from . import exports, progress, services
from .models import ImportJob
from .reading import WorkbookRefused, book_read
from .sources import ImportFailed, Problem, SourceImportPlan, plan_for_book, source_import_apply


class UploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="The workbook (.xlsx) or a CSV file of one sheet.")


class SourceUploadSerializer(UploadSerializer):
    # The metaclass takes declared fields out of the class, so this does not shadow Field.source.
    source = serializers.CharField(  # type: ignore[assignment]
        required=False,
        help_text="Key of the source the rows belong to when they leave its column empty.",
    )


class ProblemSerializer(serializers.Serializer[Any]):
    sheet = serializers.CharField()
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    reference = serializers.CharField()
    message = serializers.CharField()


class SummaryRowSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ProgressRowSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField()
    reference = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["change", "refused", "conflict", "unchanged"])
    status = serializers.CharField(allow_null=True)
    percent = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    messages = serializers.ListField(child=serializers.CharField())
    now = serializers.DictField(help_text="For a conflict: the item as it is now.")


class ImportJobSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    state = serializers.ChoiceField(choices=ImportJob.State.choices)
    filename = serializers.CharField()
    done = serializers.IntegerField(source="done_rows")
    total = serializers.IntegerField(source="total_rows")
    ok = serializers.BooleanField(help_text="No problem: it may be confirmed.")
    summary = SummaryRowSerializer(many=True, help_text="Source imports: what it does per kind.")
    problems = ProblemSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    rows = ProgressRowSerializer(many=True, help_text="Progress uploads: each row's outcome.")
    applied = serializers.IntegerField(allow_null=True, help_text="Rows applied, once done.")


def _problem(problem: Problem) -> dict[str, Any]:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "reference": problem.reference,
        "message": problem.message,
    }


def _job_data(
    job: ImportJob, *, plan: SourceImportPlan | None = None, progress_plan: Any = None
) -> dict[str, Any]:
    result = job.result or {}
    data: dict[str, Any] = {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "filename": job.filename,
        "done_rows": job.done_rows,
        "total_rows": job.total_rows,
        "ok": True,
        "summary": [],
        "problems": [],
        "warnings": [],
        "rows": [],
        "applied": (result.get("applied") or {}).get("applied"),
    }
    if plan is not None:
        data["ok"] = plan.ok
        data["problems"] = [_problem(p) for p in plan.problems]
        data["warnings"] = list(plan.warnings)
        data["summary"] = [
            {"kind": label, "created": c, "updated": u, "unchanged": n}
            for label, c, u, n in plan.summary_rows()
        ]
    elif job.kind == ImportJob.Kind.SOURCE and result.get("summary"):
        data["summary"] = [
            {"kind": label, "created": c, "updated": u, "unchanged": n}
            for label, c, u, n in result["summary"]
        ]
    if progress_plan is not None:
        data["ok"] = not progress_plan.problems
        data["problems"] = [
            {"sheet": "", "row": None, "column": "", "reference": "", "message": message}
            for message in progress_plan.problems
        ]
        data["rows"] = [row.as_dict() for row in progress_plan.rows]
    elif job.kind == ImportJob.Kind.PROGRESS:
        applied = result.get("applied")
        if applied:
            data["rows"] = applied["conflicts"] + applied["refused"]
    return data


def _read(job: ImportJob) -> Any:
    try:
        return book_read(bytes(job.content), filename=job.filename, csv_sheet_name=job.filename)
    except WorkbookRefused as error:
        raise ValidationError({"file": [str(error)]}) from None


class _UploadView(TrackerApiMixin, APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsTrackerMember]

    def _upload(self, request: Request, serializer_class: type[UploadSerializer]) -> Any:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                {
                    "file": [
                        _("The file is larger than the %(limit)s MB allowed.")
                        % {"limit": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"}
                    ]
                }
            )
        return serializer.validated_data, upload


class SourceImportPreviewView(_UploadView):
    @extend_schema(
        operation_id="imports_sources_preview",
        summary="Preview a source workbook (nothing is written)",
        request={"multipart/form-data": SourceUploadSerializer},
        responses={201: ImportJobSerializer, **errors(400, 403, 415)},
        tags=["imports"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in_user(request)
        if not policies.can_edit_recommendation(user):
            raise PermissionDenied(_("Only coordinators may import recommendations."))
        data, upload = self._upload(request, SourceUploadSerializer)
        source = None
        if data.get("source"):
            source = Source.objects.filter(key=data["source"]).first()
            if source is None:
                raise ValidationError({"source": [_("No source has this key.")]})
        job = services.import_job_create(
            user=user,
            kind=ImportJob.Kind.SOURCE,
            filename=upload.name or "upload",
            content=upload.read(),
            source=source,
        )
        plan = plan_for_book(_read(job), default_source=source)
        return Response(_job_data(job, plan=plan), status=status.HTTP_201_CREATED)


class ProgressImportPreviewView(_UploadView):
    @extend_schema(
        operation_id="imports_progress_preview",
        summary="Preview a progress workbook (nothing is written)",
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportJobSerializer, **errors(400, 403, 415)},
        tags=["imports"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in_user(request)
        _data, upload = self._upload(request, UploadSerializer)
        job = services.import_job_create(
            user=user,
            kind=ImportJob.Kind.PROGRESS,
            filename=upload.name or "upload",
            content=upload.read(),
        )
        plan = progress.progress_preview(_read(job), actor=user)
        job.result = {"rows": [row.as_dict() for row in plan.rows], "problems": plan.problems}
        job.save(update_fields=["result"])
        return Response(_job_data(job, progress_plan=plan), status=status.HTTP_201_CREATED)


def _own_job(request: Request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("source"), pk=pk)
    if job.user_id != signed_in_user(request).pk:
        raise NotFound()
    return job


class ImportJobView(TrackerApiMixin, APIView):
    permission_classes = [IsTrackerMember]

    @extend_schema(
        operation_id="imports_retrieve",
        summary="An upload: its state, progress and result",
        responses={200: ImportJobSerializer, **errors(403, 404)},
        tags=["imports"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_job_data(_own_job(request, pk)))


class ImportConfirmView(TrackerApiMixin, APIView):
    permission_classes = [IsTrackerMember]

    @extend_schema(
        operation_id="imports_confirm",
        summary="Apply a previewed upload",
        request=None,
        responses={
            200: ImportJobSerializer,
            202: OpenApiResponse(ImportJobSerializer, description="Queued: follow it with GET."),
            **errors(400, 403, 404, 409),
        },
        tags=["imports"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        job = _own_job(request, pk)
        if job.state != ImportJob.State.PREVIEWED:
            return Response(
                {"detail": _("This upload was already applied.")}, status=status.HTTP_409_CONFLICT
            )
        if job.kind == ImportJob.Kind.SOURCE:
            if not policies.can_edit_recommendation(user):
                raise PermissionDenied(_("Only coordinators may import recommendations."))
            with transaction.atomic():
                plan = plan_for_book(_read(job), default_source=job.source)
                if plan.ok:
                    try:
                        source_import_apply(plan, actor=user)
                    except ImportFailed as error:
                        plan.problems.extend(error.problems)
                if not plan.ok:
                    return Response(_job_data(job, plan=plan), status=status.HTTP_400_BAD_REQUEST)
                services.import_job_record(
                    job=job, state=ImportJob.State.DONE, result={"summary": plan.summary_rows()}
                )
            return Response(_job_data(job, plan=plan))
        rows = [
            row
            for row in progress.rows_from_json(job.result.get("rows", []))
            if row.outcome == "change"
        ]
        if not rows:
            raise ValidationError({"detail": _("Nothing to apply: preview the file first.")})
        with transaction.atomic():
            queued = services.progress_job_start(job=job, rows=rows)
        job.refresh_from_db()
        return Response(
            _job_data(job), status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK
        )


_EXTENSION = OpenApiParameter(
    "extension",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=["csv", "xlsx"],
    description="csv (streamed, UTF-8 with a byte-order mark) or xlsx.",
)


class _ExportView(TrackerApiMixin, GenericAPIView[Any]):
    permission_classes = [IsTrackerMember]
    # The list's own filters only: an export is in the order of its reference codes.
    filter_backends = [DjangoFilterBackend]
    kind = ""
    pagination_class = None

    def get(self, request: Request, extension: str) -> Any:
        if extension not in ("csv", "xlsx"):
            raise NotFound()
        # Strict like the lists: a misspelt filter must not export everything.
        refuse_unknown_query_parameters(request, allowed_query_parameters(self))
        queryset = self.filter_queryset(self.get_queryset())
        spec = exports.KINDS[self.kind]
        name = exports.export_filename(spec, extension)
        if extension == "csv":
            response = StreamingHttpResponse(
                exports.iter_chunks(exports.csv_lines(spec, queryset)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return FileResponse(
            exports.xlsx_file(spec, queryset),
            as_attachment=True,
            filename=name,
            content_type=exports.XLSX_TYPE,
        )


def _filter_parameters(filterset: Any) -> list[OpenApiParameter]:
    """The list's filters as query parameters (drf-spectacular documents them on lists only)."""
    return [
        OpenApiParameter(
            name,
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            description=str(field.extra.get("help_text", "")),
        )
        for name, field in filterset.base_filters.items()
    ]


F = TypeVar("F", bound=Callable[..., Any])


def _export_schema(what: str, operation_id: str, filterset: Any) -> Callable[[F], F]:
    return extend_schema(
        operation_id=operation_id,
        summary=f"Export {what} (CSV or XLSX), filtered like the list",
        parameters=[_EXTENSION, *_filter_parameters(filterset)],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.XLSX_TYPE): OpenApiTypes.BINARY,
            **errors(400, 403, 404),
        },
        tags=["exports"],
    )


class RecommendationExportView(_ExportView):
    kind = "recommendations"
    filterset_class = RecommendationFilter

    def get_queryset(self) -> QuerySet[Recommendation]:
        return Recommendation.objects.all()

    @_export_schema("recommendations", "exports_recommendations", RecommendationFilter)
    def get(self, request: Request, extension: str) -> Any:
        return super().get(request, extension)


class ActionItemExportView(_ExportView):
    kind = "action-items"
    filterset_class = ActionItemFilter

    def get_queryset(self) -> QuerySet[ActionItem]:
        return ActionItem.objects.all()

    @_export_schema("action items", "exports_action_items", ActionItemFilter)
    def get(self, request: Request, extension: str) -> Any:
        return super().get(request, extension)


class TimelineExportView(_ExportView):
    kind = "timeline"
    filterset_class = ProgressUpdateFilter

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        return ProgressUpdate.objects.all()

    @_export_schema("the timeline of progress updates", "exports_timeline", ProgressUpdateFilter)
    def get(self, request: Request, extension: str) -> Any:
        return super().get(request, extension)
