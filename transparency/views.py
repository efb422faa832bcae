"""The public progress page, its open data and its Atom feed: no sign-in, cached, thin.

Each view is wrapped by ``cache.public_page`` (cache per language, ETag, Cache-Control, rate
limit); the URL gives the language. The templates extend ``public/base.html``, which uses no
session, no CSRF token and no signed-in user, so anonymous readers get no cookie.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.translation import gettext as _

from . import opendata, selectors
from .cache import public_page

LANGUAGES = ("en", "fr")


def public_url(name: str, language: str, **kwargs: Any) -> str:
    return reverse(f"public:{name}_{language}", kwargs=kwargs or None)


def _other(language: str) -> str:
    return "fr" if language == "en" else "en"


def _page(
    request: HttpRequest,
    template: str,
    language: str,
    name: str,
    context: dict[str, Any],
    **url_kwargs: Any,
) -> HttpResponse:
    other = _other(language)
    response = render(
        request,
        template,
        {
            **context,
            "language": language,
            "other_language": other,
            "other_language_url": public_url(name, other, **url_kwargs),
            "overview_url": public_url("overview", language),
            "feed_url": public_url("feed", language),
            "today": selectors.public_today(),
        },
    )
    response["Content-Language"] = language
    return response


@public_page
def overview(request: HttpRequest, *, language: str) -> HttpResponse:
    data = selectors.public_overview()
    return _page(
        request,
        "public/overview.html",
        language,
        "overview",
        {
            "overview": data,
            "modified": data.modified,
            "fields": opendata.FIELDS,
            "schema_version": opendata.SCHEMA_VERSION,
            "licence_name": opendata.LICENCE_NAME_EN
            if language == "en"
            else opendata.LICENCE_NAME_FR,
            "licence_url": opendata.LICENCE_URL_EN if language == "en" else opendata.LICENCE_URL_FR,
        },
    )


@public_page
def recommendation(request: HttpRequest, *, language: str, code: str) -> HttpResponse:
    page = selectors.public_recommendation(code=code)
    return _page(
        request,
        "public/recommendation.html",
        language,
        "recommendation",
        {"page": page, "recommendation": page.recommendation, "modified": page.modified},
        code=code,
    )


@public_page
def feed(request: HttpRequest, *, language: str) -> HttpResponse:
    """Status changes of published action items, newest first (Atom 1.0)."""
    site = request.build_absolute_uri("/").rstrip("/")
    changes = selectors.public_status_changes()
    atom = feedgenerator.Atom1Feed(
        title=_("Roundtable recommendations: status changes"),
        link=site + public_url("overview", language),
        feed_url=site + public_url("feed", language),
        description=_("Status changes of the published action items."),
        language=language,
        author_name=_("Recommendations tracker"),
        feed_guid=site + public_url("feed", language),
        feed_copyright=opendata.LICENCE_NAME_EN if language == "en" else opendata.LICENCE_NAME_FR,
    )
    for change in changes:
        link = site + public_url("recommendation", language, code=change.recommendation_code)
        atom.add_item(
            title=_("%(reference)s: %(before)s → %(after)s")
            % {
                "reference": change.item_reference,
                "before": change.status_before_display(),
                "after": change.status_after_display(),
            },
            link=f"{link}#item-{change.item_reference}",
            description=change.item_title,
            unique_id=f"{site}/public/status-change/{change.update_id}",
            unique_id_is_permalink=False,
            pubdate=change.at,
            updateddate=change.at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    response["Content-Language"] = language
    return response


def _data_headers(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Link"] = (
        f'<{opendata.LICENCE_URL_EN}>; rel="license", '
        f'<{reverse("public:data_csv_metadata")}>; rel="describedby"'
    )
    return response


@public_page
def data_json(request: HttpRequest, *, language: str | None = None) -> HttpResponse:
    body = opendata.action_items_json(selectors.public_item_rows(), selectors.public_modified())
    return _data_headers(
        HttpResponse(body, content_type="application/json; charset=utf-8"), "action-items.json"
    )


@public_page
def data_csv(request: HttpRequest, *, language: str | None = None) -> HttpResponse:
    body = opendata.action_items_csv(selectors.public_item_rows())
    return _data_headers(
        HttpResponse(body, content_type="text/csv; charset=utf-8"), "action-items.csv"
    )


@public_page
def data_csv_metadata(request: HttpRequest, *, language: str | None = None) -> HttpResponse:
    body = opendata.action_items_csv_metadata(
        request.build_absolute_uri(reverse("public:data_csv")), selectors.public_modified()
    )
    return _data_headers(
        HttpResponse(body, content_type="application/csvm+json; charset=utf-8"),
        "action-items.csv-metadata.json",
    )
