"""The archive of quarterly reports: one row per version of a report (a quarter, and an agency or
the whole tracker), with its documents in both languages in Django's storage. Regenerating a
quarter adds a version; earlier versions are kept."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency


def _upload_to(report: "QuarterlyReport", filename: str) -> str:
    scope = report.agency.acronym if report.agency else "all"
    return f"quarterly/{report.quarter}/{scope}/v{report.version}/{filename}"


class QuarterlyReport(models.Model):
    quarter = models.CharField(_("quarter"), max_length=6)  # "2026Q4"
    # Null: the report on every agency, for coordinators.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quarterly_reports",
        verbose_name=_("agency"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("produced"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("produced by"),
    )
    docx_en = models.FileField(_("Word document (English)"), upload_to=_upload_to)
    docx_fr = models.FileField(_("Word document (French)"), upload_to=_upload_to)
    html_en = models.FileField(_("web page (English)"), upload_to=_upload_to)
    html_fr = models.FileField(_("web page (French)"), upload_to=_upload_to)

    class Meta:
        ordering = ["-quarter", "agency__acronym", "-version"]
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        constraints = [
            # The claim: two workers producing the same version at once, only one row wins.
            models.UniqueConstraint(
                fields=["quarter", "agency", "version"],
                condition=Q(agency__isnull=False),
                name="quarterly_report_version_per_agency",
            ),
            models.UniqueConstraint(
                fields=["quarter", "version"],
                condition=Q(agency__isnull=True),
                name="quarterly_report_version_all",
            ),
        ]

    def __str__(self) -> str:
        scope = self.agency.acronym if self.agency else "all"
        return f"{self.quarter} {scope} v{self.version}"

    def document(self, kind: str, language: str) -> models.fields.files.FieldFile:
        document: models.fields.files.FieldFile = getattr(
            self, f"{kind}_{'fr' if language == 'fr' else 'en'}"
        )
        return document
