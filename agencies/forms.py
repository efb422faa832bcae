from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import User


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


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form; the email goes out in the language the person chose for emails."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.get("user")
        with translation.override(getattr(user, "language", None) or translation.get_language()):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
