from django.urls import path

from . import views

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
]
