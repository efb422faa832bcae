from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from agencies import views as agency_views
from recommendations import views as recommendation_views

urlpatterns = [
    path("admin/", admin.site.urls),
    # Ours first: the sign-in view and the profile; then Django's logout, password change, reset.
    path("accounts/", include("agencies.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", agency_views.set_language, name="set_language"),
    path("api/v1/", include("tracker.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("", recommendation_views.my_work, name="home"),
    path("", include("recommendations.urls")),
]
