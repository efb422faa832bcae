from django.urls import path

from . import views

app_name = "quarterly"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/<str:kind>/<str:language>/", views.report_document, name="document"),
]
