from django.urls import path

from . import views
from .accountability import views as accountability

app_name = "recommendations"
urlpatterns = [
    path("recommendations/", views.recommendation_list, name="list"),
    path("recommendations/new/", views.recommendation_create, name="create"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="detail"),
    path("recommendations/<int:pk>/edit/", views.recommendation_edit, name="edit"),
    path("recommendations/<int:pk>/publish/", views.recommendation_publish, name="publish"),
    path("recommendations/<int:pk>/items/new/", views.action_item_create, name="item_create"),
    path("items/<int:pk>/", views.action_item_detail, name="item"),
    path("items/<int:pk>/progress/", views.action_item_record_progress, name="item_progress"),
    path("items/<int:pk>/assign/", views.action_item_assign, name="item_assign"),
    path("items/<int:pk>/edit/", views.action_item_edit, name="item_edit"),
    path("items/<int:pk>/submit/", accountability.item_submit, name="item_submit"),
    path("items/<int:pk>/verify/", accountability.item_verify, name="item_verify"),
    path("items/<int:pk>/extension/", accountability.item_request_extension, name="item_extension"),
    path("items/<int:pk>/assess/", accountability.item_assess, name="item_assess"),
    path("extensions/<int:pk>/decide/", accountability.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", accountability.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/withdraw/", accountability.evidence_withdraw, name="evidence_withdraw"),
    path("verification/", accountability.verification_queue, name="verification_queue"),
    path("extensions/", accountability.extension_requests_page, name="extension_requests"),
]
