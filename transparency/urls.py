"""/public/ in English, /public/fr/ in French (each page links to the same page in the other
language); the open data under /public/data/ is bilingual and language-neutral."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.overview, {"language": "en"}, name="overview_en"),
    path("fr/", views.overview, {"language": "fr"}, name="overview_fr"),
    path(
        "recommendations/<str:code>/",
        views.recommendation,
        {"language": "en"},
        name="recommendation_en",
    ),
    path(
        "fr/recommandations/<str:code>/",
        views.recommendation,
        {"language": "fr"},
        name="recommendation_fr",
    ),
    path("feed.atom", views.feed, {"language": "en"}, name="feed_en"),
    path("fr/fil.atom", views.feed, {"language": "fr"}, name="feed_fr"),
    path("data/action-items.json", views.data_json, name="data_json"),
    path("data/action-items.csv", views.data_csv, name="data_csv"),
    path("data/action-items.csv-metadata.json", views.data_csv_metadata, name="data_csv_metadata"),
]
