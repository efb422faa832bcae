from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Language

from .models import OPTIONAL_KINDS, NotificationKind, Weekday


class PreferencesForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Emails I receive"),
        choices=[(kind.value, kind.label) for kind in OPTIONAL_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Escalations and assignments are always sent."),
    )
    digest_weekday = forms.TypedChoiceField(
        label=_("Weekly digest day"),
        choices=Weekday.choices,
        coerce=int,
        help_text=_("Managers and coordinators receive a summary of their items on this day."),
    )
    language = forms.ChoiceField(
        label=_("Language of my emails"),
        choices=Language.choices,
        # The rule (one language, pages and emails) is said under the list.
        widget=forms.Select(attrs={"aria-describedby": "id_language-help"}),
    )

    @staticmethod
    def always_sent() -> list[str]:
        return [str(NotificationKind.ESCALATION.label), str(NotificationKind.ASSIGNED.label)]
