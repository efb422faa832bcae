from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("export.csv", views.report_export_csv, name="export_csv"),
    path("export.xlsx", views.report_export_xlsx, name="export_xlsx"),
]
