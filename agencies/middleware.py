from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# The query parameter that links in emails carry (?lang=fr), so a page opened from an email
# (unsubscribe, preferences, an item behind the sign-in page) is in the recipient's language.
LANGUAGE_PARAMETER = "lang"


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Remember ``language`` in Django's language cookie (its settings), for the next visit."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class UserLanguageMiddleware:
    """A signed-in user sees the language saved on their profile, on every device.

    LocaleMiddleware (before this) has already chosen from the cookie or the browser for anonymous
    visitors; the language switcher saves the choice on the profile for signed-in users. An
    anonymous visitor following a link from an email gets the language the link carries, which is
    also remembered in the language cookie (the sign-in page it may redirect to follows it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            return self.get_response(request)
        from_link = request.GET.get(LANGUAGE_PARAMETER, "")
        if from_link not in dict(settings.LANGUAGES):
            return self.get_response(request)
        translation.activate(from_link)
        request.LANGUAGE_CODE = from_link
        response = self.get_response(request)
        language_cookie_set(response, from_link)
        return response
