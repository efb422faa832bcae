from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class ProfileForm(forms.ModelForm):
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
