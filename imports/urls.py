from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.imports_index, name="index"),
    path("sources/new/", views.source_create, name="source_create"),
    path("template.xlsx", views.template_download, name="template"),
    path("workbook/", views.source_workbook, name="source_workbook"),
    path("workbook/<int:pk>/", views.source_preview, name="source_preview"),
    path("progress/my-open-items.xlsx", views.progress_download, name="progress_download"),
    path("progress/", views.progress_upload, name="progress_upload"),
    path("progress/<int:pk>/", views.progress_job, name="progress_job"),
    path("progress/<int:pk>/status.json", views.progress_job_status, name="progress_job_status"),
    path("exports/<slug:kind>.<str:extension>", views.export_download, name="export"),
]
