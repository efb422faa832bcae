from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker.queueing import enqueue_on_commit

from .models import User
from .throttling import signin_refused_for


class ProfileForm(forms.ModelForm[User]):
    """The parts of their account people manage themselves."""

    label_suffix = ""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]
        widgets = {"language": forms.RadioSelect}
        labels = {"language": _("Preferred language")}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].required = True
        self.fields["email"].help_text = _(
            "Reminders and password reset links are sent to this address."
        )
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


def throttled_error(seconds: int) -> ValidationError:
    minutes = max(1, -(-seconds // 60))
    return ValidationError(
        ngettext(
            "Too many failed sign-in attempts. For your protection, sign-in is paused: try again "
            "in %(minutes)d minute.",
            "Too many failed sign-in attempts. For your protection, sign-in is paused: try again "
            "in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="throttled",
    )


class _ThrottleMessageMixin:
    """Says "paused, try again in N minutes" instead of "wrong password" during a cool-off."""

    request: HttpRequest | None

    def get_invalid_login_error(self) -> ValidationError:
        seconds = signin_refused_for(self.request)
        if seconds:
            return throttled_error(seconds)
        # The form class this mixin comes before defines it; mypy sees only the mixin's bases.
        error: ValidationError = super().get_invalid_login_error()  # type: ignore[misc]
        return error


class AuthenticationForm(_ThrottleMessageMixin, auth_forms.AuthenticationForm):
    pass


class AdminLoginForm(_ThrottleMessageMixin, AdminAuthenticationForm):
    pass


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form; the email is queued (after commit) and sent by a Celery worker.

    The request answers at once whether or not the address is known (no SMTP call inside it),
    and the worker writes it in the language the person chose for emails.
    """

    def save(  # type: ignore[override]
        self,
        domain_override: str | None = None,
        use_https: bool = False,
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        from .tasks import password_reset_email_send

        if domain_override:
            domain = domain_override
        elif request is not None:
            domain = request.get_host()
        else:
            domain = "localhost"
        for user in self.get_users(self.cleaned_data["email"]):
            # After commit, and a broker that is down or stalled is logged rather than turning the
            # request into an error page (the person may simply ask again).
            enqueue_on_commit(password_reset_email_send, user.pk, domain, use_https)
