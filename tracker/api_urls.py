from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from agencies.api import AgencyViewSet, AuthTokenView, MeView, UserViewSet
from imports.api import (
    ActionItemExportView,
    ImportConfirmView,
    ImportJobView,
    ProgressImportPreviewView,
    RecommendationExportView,
    SourceImportPreviewView,
    TimelineExportView,
)
from recommendations.accountability.api import (
    AssessmentsView,
    EvidenceFileView,
    ExtensionDecisionView,
    ExtensionRequestViewSet,
    ItemExtensionRequestsView,
    SubmissionsView,
    VerificationView,
)
from recommendations.api.views import (
    ActionItemUpdatesView,
    ActionItemViewSet,
    ProgressUpdateViewSet,
    RecommendationViewSet,
)
from reports.api import ReportSummaryView

app_name = "api"

router = DefaultRouter()
# Codes and acronyms may contain dots; "/api/v1/recommendations/PSC-1.json" is not a format.
router.include_format_suffixes = False
router.register("agencies", AgencyViewSet, basename="agency")
router.register("users", UserViewSet, basename="user")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("action-items", ActionItemViewSet, basename="action-item")
router.register("progress-updates", ProgressUpdateViewSet, basename="progress-update")
router.register("extension-requests", ExtensionRequestViewSet, basename="extension-request")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", AuthTokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    path(
        "action-items/<int:pk>/updates/",
        ActionItemUpdatesView.as_view(),
        name="action-item-updates",
    ),
    path(
        "action-items/<int:pk>/submissions/",
        SubmissionsView.as_view(),
        name="action-item-submissions",
    ),
    path(
        "action-items/<int:pk>/verification/",
        VerificationView.as_view(),
        name="action-item-verification",
    ),
    path(
        "action-items/<int:pk>/extension-requests/",
        ItemExtensionRequestsView.as_view(),
        name="action-item-extension-requests",
    ),
    path(
        "action-items/<int:pk>/assessments/",
        AssessmentsView.as_view(),
        name="action-item-assessments",
    ),
    path(
        "extension-requests/<int:pk>/decision/",
        ExtensionDecisionView.as_view(),
        name="extension-request-decision",
    ),
    path("evidence/<int:pk>/file/", EvidenceFileView.as_view(), name="evidence-file"),
    path("reports/summary/", ReportSummaryView.as_view(), name="reports-summary"),
    path("imports/sources/", SourceImportPreviewView.as_view(), name="imports-sources"),
    path("imports/progress/", ProgressImportPreviewView.as_view(), name="imports-progress"),
    path("imports/<int:pk>/", ImportJobView.as_view(), name="imports-detail"),
    path("imports/<int:pk>/confirm/", ImportConfirmView.as_view(), name="imports-confirm"),
    path(
        "exports/recommendations.<str:extension>",
        RecommendationExportView.as_view(),
        name="exports-recommendations",
    ),
    path(
        "exports/action-items.<str:extension>",
        ActionItemExportView.as_view(),
        name="exports-action-items",
    ),
    path("exports/timeline.<str:extension>", TimelineExportView.as_view(), name="exports-timeline"),
    path("", include(router.urls)),
]
