from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from agencies import views as agency_views
from recommendations import views as recommendation_views
from recommendations.api.views import ApiDocsView, api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    # Ours first: the sign-in view and the profile; then Django's logout, password change, reset.
    path("accounts/", include("agencies.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", agency_views.set_language, name="set_language"),
    path("api/v1/", include("tracker.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    # Any other API address gets a JSON 404, not the HTML page meant for people. (Only paths
    # ending in a slash: without one, CommonMiddleware first redirects to the slashed address.)
    re_path(r"^api/[\s\S]*/$", api_not_found),
    path("notifications/", include("notifications.urls")),
    path("reports/quarterly/", include("quarterly.urls")),
    path("reports/", include("reports.urls")),
    path("public/", include("transparency.urls")),
    path("spreadsheets/", include("imports.urls")),
    path("", recommendation_views.my_work, name="home"),
    path("", include("recommendations.urls")),
]
