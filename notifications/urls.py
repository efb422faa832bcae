from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar, name="calendar"),
    path("watch/<int:item_id>/", views.watch, name="watch"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
