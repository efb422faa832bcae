"""The REST API under /api/v1/. Each app contributes its endpoints here."""

app_name = "api"
urlpatterns: list = []
