from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import throttling
from .auth import signed_in_user
from .forms import AuthenticationForm, PasswordResetForm, ProfileForm
from .middleware import language_cookie_set
from .models import Language, User
from .selectors import user_api_tokens, user_memberships
from .services import (
    api_token_idle_limit,
    api_token_revoke,
    api_tokens_revoke_all,
    user_language_set,
)

# Where an anonymous visitor's explicit choice waits until they sign in.
_CHOSEN_LANGUAGE_SESSION_KEY = "chosen_language"


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
    form_class = AuthenticationForm

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        seconds = throttling.signin_refused_for(self.request)
        if seconds:
            response.status_code = 429
            response["Retry-After"] = str(seconds)
        return response

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        chosen = self.request.session.pop(_CHOSEN_LANGUAGE_SESSION_KEY, None)
        response = super().form_valid(form)
        user = form.get_user()
        if chosen in Language.values:
            user_language_set(user=user, language=chosen)
        # The cookie keeps the sign-in page in this language after signing out.
        language_cookie_set(response, user.language)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per client address and per account.

    Over the address's limit the form says so; over the account's, the answer is the usual one
    and no email goes out (a known address and an unknown one answer alike).
    """

    form_class = PasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        accepted, send = throttling.password_reset_allowed(
            request=self.request, email=form.cleaned_data["email"]
        )
        if not accepted:
            form.add_error(
                None,
                _("Too many password reset requests from your address. Try again in an hour."),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        if send:
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


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
        language_cookie_set(response, user.language)
        return response
    memberships = user_memberships(user=user)
    return render(
        request,
        "agencies/profile.html",
        {
            "form": form,
            "memberships": memberships,
            "api_tokens": list(user_api_tokens(user=user)),
            "api_token_idle_days": api_token_idle_limit().days,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    if not api_token_revoke(user=signed_in_user(request), token_id=token_id):
        raise Http404
    messages.success(request, _("The token was revoked: requests that send it are refused."))
    return redirect("profile")


@login_required
@require_POST
def api_tokens_revoke_all_view(request: HttpRequest) -> HttpResponse:
    count = api_tokens_revoke_all(user=signed_in_user(request))
    messages.success(
        request,
        ngettext("%(count)d token was revoked.", "%(count)d tokens were revoked.", count)
        % {"count": count},
    )
    return redirect("profile")
