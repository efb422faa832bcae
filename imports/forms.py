"""Forms of the imports pages: they translate input; the services decide."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from recommendations.models import Source

from .pdf_text import PdfRefused, looks_like_pdf, pdf_text_extract

_ACCEPT = ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx) or CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than the %(limit)s MB allowed.")
                % {"limit": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"}
            )
        return upload


class SourceWorkbookForm(UploadForm):
    source = forms.ModelChoiceField(
        label=_("Source document"),
        queryset=Source.objects.order_by("-published_on", "key"),
        required=False,
        help_text=_("The source the rows belong to when they leave its key empty."),
    )


class SourceForm(forms.Form):
    key = forms.SlugField(
        label=_("key"),
        max_length=50,
        required=False,
        help_text=_("Left empty, it is made from the English title."),
    )
    title_en = forms.CharField(label=_("title (English)"), max_length=300)
    title_fr = forms.CharField(label=_("title (French)"), max_length=300)
    publisher_en = forms.CharField(label=_("publisher (English)"), max_length=200)
    publisher_fr = forms.CharField(label=_("publisher (French)"), max_length=200)
    published_on = forms.DateField(
        label=_("published on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    url = forms.URLField(label=_("link"), required=False, assume_scheme="https")
    text = forms.CharField(
        label=_("full text"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    text_file = forms.FileField(
        label=_("or a file of it (PDF or plain text)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf,.txt,text/plain"}),
        help_text=_(
            "A PDF must have a text layer (text you can select), and not be password-protected."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("text_file")
        if upload is not None:
            if upload.size > settings.IMPORT_MAX_BYTES:
                self.add_error(
                    "text_file",
                    _("The file is larger than the %(limit)s MB allowed.")
                    % {"limit": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"},
                )
                return data
            raw = upload.read()
            if looks_like_pdf(raw) or upload.name.lower().endswith(".pdf"):
                try:
                    data["text"] = pdf_text_extract(raw)
                except PdfRefused as refusal:
                    self.add_error("text_file", str(refusal))
                    return data
            else:
                try:
                    data["text"] = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    self.add_error("text_file", _("This file is not plain text (UTF-8)."))
        if not (data.get("text") or "").strip():
            self.add_error(
                "text",
                _(
                    "Paste the document's text or upload it: quoted passages are checked against it."
                ),
            )
        return data
