"""Web pages of notifications: preferences, watching, the calendar feed and unsubscribing.
Thin: each reads a form or a token and calls a service or selector."""

from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from agencies.auth import signed_in_user
from recommendations.models import ActionItem

from . import emails, selectors
from . import preferences as preference_services
from .calendar import calendar_feed
from .forms import PreferencesForm
from .models import OPTIONAL_KINDS, NotificationKind


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    preference = selectors.preference_for(user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            preference_services.preferences_update(
                user=user,
                kinds=form.cleaned_data["kinds"],
                digest_weekday=form.cleaned_data["digest_weekday"],
                language=form.cleaned_data["language"],
            )
            messages.success(request, _("Your email preferences were saved."))
            return HttpResponseRedirect(reverse("notifications:preferences"))
    else:
        form = PreferencesForm(
            initial={
                "kinds": [kind.value for kind in OPTIONAL_KINDS if preference.receives(kind)],
                "digest_weekday": preference.digest_weekday,
                "language": user.language,
            }
        )
    calendar_url = ""
    if preference.pk:
        calendar_url = request.build_absolute_uri(
            reverse("notifications:calendar", args=[preference.calendar_token])
        )
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "calendar_url": calendar_url, "always_sent": form.always_sent()},
    )


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    preference_services.calendar_token_reset(user=signed_in_user(request))
    messages.success(
        request, _("Your calendar has a new address. The old address no longer works.")
    )
    return HttpResponseRedirect(reverse("notifications:preferences") + "#calendar")


def calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the secret in the address is the only credential, as calendar clients
    cannot sign in."""
    user = selectors.calendar_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar_feed(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tracker.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_POST
def watch(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("recommendation"), pk=item_id)
    watching = preference_services.watch_toggle(user=signed_in_user(request), item=item)
    if request.headers.get("HX-Request"):
        return render(
            request, "notifications/_item_watch.html", {"item": item, "is_watching": watching}
        )
    messages.success(
        request,
        _("You now watch %(reference)s.") % {"reference": item.reference}
        if watching
        else _("You no longer watch %(reference)s.") % {"reference": item.reference},
    )
    target = request.POST.get("next") or request.headers.get("Referer") or reverse("home")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return HttpResponseRedirect(target)


@csrf_exempt  # mail clients post the one-click unsubscribe (RFC 8058) without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners follow links); POST unsubscribes."""
    try:
        user_id, kinds = emails.unsubscribe_token_load(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    labels = [str(NotificationKind(kind).label) for kind in kinds]
    if request.method == "POST":
        done = preference_services.unsubscribe(user_id=user_id, kinds=kinds)
        return render(
            request, "notifications/unsubscribe.html", {"done": bool(done), "labels": labels}
        )
    return render(request, "notifications/unsubscribe.html", {"labels": labels, "token": token})


def item_watch_panel(
    request: HttpRequest, item: ActionItem, *, bound_forms: Mapping[str, BaseForm]
) -> SafeString:
    """The Watch button beside an action item (registered with recommendations.hooks); it has no
    form to show refused, so ``bound_forms`` is not read."""
    return render_to_string(
        "notifications/_item_watch.html",
        {"item": item, "is_watching": selectors.item_is_watched(request.user, item)},
        request=request,
    )
