"""Lookups shared by every import: the one place that decides how a cell names an agency."""

from agencies.models import Agency


def agencies_by_acronym() -> dict[str, Agency]:
    """Every agency under its English and its French acronym, compared without case.

    ``acronym_fr`` is read when the model has it (agencies with a French acronym, e.g. GRC for
    the RCMP), so a workbook may name an agency in either language.
    """
    found: dict[str, Agency] = {}
    for agency in Agency.objects.all():
        for acronym in (agency.acronym, getattr(agency, "acronym_fr", "") or ""):
            if acronym.strip():
                found.setdefault(acronym.strip().casefold(), agency)
    return found


def agency_acronyms() -> list[str]:
    """The acronyms offered in a template's drop-down list (English, then French ones)."""
    english = list(Agency.objects.order_by("acronym").values_list("acronym", flat=True))
    french = sorted(
        {
            acronym
            for agency in Agency.objects.all()
            if (acronym := (getattr(agency, "acronym_fr", "") or "").strip())
            and acronym not in english
        }
    )
    return english + french
