"""The REST API under /api/v1/. Each app contributes its endpoints here."""

from django.urls import path

from reports.api import ReportSummaryView

app_name = "api"
urlpatterns: list = [
    path("reports/summary/", ReportSummaryView.as_view(), name="reports-summary"),
]
