from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .auth import signed_in_user
from .forms import ProfileForm
from .models import Language, User
from .selectors import user_memberships
from .services import user_language_set

# Where an anonymous visitor's explicit choice waits until they sign in.
_CHOSEN_LANGUAGE_SESSION_KEY = "chosen_language"


def _remember_language(response: HttpResponse, language: str) -> None:
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


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on a signed-in user's profile.

    A visitor who chooses on the sign-in page keeps that choice once signed in.
    """
    response = django_set_language(request)
    language = request.POST.get("language")
    if language not in Language.values:
        return response
    user = request.user
    if user.is_authenticated:
        assert isinstance(user, User)
        user_language_set(user=user, language=language)
    else:
        request.session[_CHOSEN_LANGUAGE_SESSION_KEY] = language
    return response


class LoginView(auth_views.LoginView):
    """Django's sign-in, carrying over a language chosen before signing in."""

    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        chosen = self.request.session.pop(_CHOSEN_LANGUAGE_SESSION_KEY, None)
        response = super().form_valid(form)
        user = form.get_user()
        if chosen in Language.values:
            user_language_set(user=user, language=chosen)
        # The cookie keeps the sign-in page in this language after signing out.
        _remember_language(response, user.language)
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Name, email and preferred language, and the person's agencies and roles."""
    user = signed_in_user(request)
    # A copy, so that a refused form never shows unsaved values elsewhere on the page.
    form = ProfileForm(
        request.POST if request.method == "POST" else None, instance=User.objects.get(pk=user.pk)
    )
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        _remember_language(response, user.language)
        return response
    memberships = user_memberships(user=user)
    return render(
        request,
        "agencies/profile.html",
        {"form": form, "memberships": memberships},
        status=400 if form.errors else 200,
    )
