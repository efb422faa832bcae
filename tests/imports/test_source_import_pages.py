"""A coordinator adds a source, downloads the template, fills it, previews and confirms."""

import io
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Membership, User
from recommendations.models import ActionItem, Recommendation, Source
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

from .helpers import SOURCE_TEXT, headers, new_source_sheets, xlsx

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


@pytest.fixture
def coordinator(db: None) -> User:
    for acronym in ("CBSA", "RCMP"):
        AgencyFactory.create(acronym=acronym)
    psc = AgencyFactory.create(acronym="PSC")
    return MembershipFactory.create(
        user=UserFactory.create(username="coord"), agency=psc, role=Membership.Role.COORDINATOR
    ).user


def _upload(
    client: Client, data: bytes, name: str = "import.xlsx", **extra: object
) -> "_MonkeyPatchedWSGIResponse":
    return client.post(
        reverse("imports:source_workbook"),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_template_filled_previewed_and_confirmed(
    client: Client, coordinator: User, language: str
) -> None:
    coordinator.language = language
    coordinator.save()
    client.force_login(coordinator)
    source_page = client.post(
        reverse("imports:source_create"),
        {
            "title_en": "Roundtable 2022",
            "title_fr": "Table ronde 2022",
            "publisher_en": "Public Safety Canada",
            "publisher_fr": "Sécurité publique Canada",
            "text": SOURCE_TEXT,
        },
    )
    assert source_page.status_code == 302
    source = Source.objects.get()
    template = load_workbook(io.BytesIO(client.get(reverse("imports:template")).content))
    names = (
        ["Recommandations", "Mesures"] if language == "fr" else ["Recommendations", "Action items"]
    )
    recommendations_sheet, items_sheet = (template[name] for name in names)
    assert [c.value for c in recommendations_sheet[1]] == headers("recommendations")
    assert "Notes" in template.sheetnames
    assert recommendations_sheet.data_validations.dataValidation  # drop-down lists
    # Fill it: replace the example rows, leave the source column empty (imported from its page).
    sheets = new_source_sheets()
    for sheet, rows in (
        (recommendations_sheet, sheets["Recommendations"]),
        (items_sheet, sheets["Action items"]),
    ):
        sheet.delete_rows(2, sheet.max_row)
        for row in rows[1:]:
            sheet.append(row)
    for name in template.sheetnames:
        if name not in names and name not in ("Notes", "Lists", "Listes"):
            del template[name]
    template.create_sheet("Thèmes" if language == "fr" else "Themes")
    themes = template["Thèmes" if language == "fr" else "Themes"]
    for row in sheets["Themes"]:
        themes.append(row)
    output = io.BytesIO()
    template.save(output)

    upload = _upload(client, output.getvalue(), source=source.pk)
    assert upload.status_code == 302
    preview = client.get(upload["Location"])
    assert preview.status_code == 200
    assert Recommendation.objects.count() == 0  # nothing written by the preview
    assert preview.context["plan"].ok, preview.context["plan"].problems
    assert [row[1] for row in preview.context["plan"].summary_rows()] == [1, 2, 3]
    confirmed = client.post(upload["Location"])
    assert confirmed.status_code == 302
    assert Recommendation.objects.filter(source=source).count() == 2
    assert ActionItem.objects.count() == 3

    again = client.get(_upload(client, output.getvalue(), source=source.pk)["Location"])
    assert not again.context["plan"].changes_anything  # re-import is a no-op
    assert (
        "nothing to import" in again.content.decode().lower()
        or "rien à importer" in again.content.decode().lower()
    )


def test_preview_lists_each_problem_by_row_and_column_and_writes_nothing(
    client: Client, coordinator: User
) -> None:
    client.force_login(coordinator)
    sheets = new_source_sheets()
    recommendations = sheets["Recommendations"]
    recommendations[1][4] = ""  # no French title
    recommendations[1][9] = "GRC?"  # unknown agency
    recommendations[1][11] = "next spring"  # not a date
    recommendations[2][0] = "RT22-01"  # duplicate reference
    recommendations[2][7] = "words never said"  # not in the source
    sheets["Action items"][1][0] = "RT99-99"  # no such recommendation
    sheets["Action items"][2][2] = '=HYPERLINK("http://evil")'  # a formula
    response = client.get(_upload(client, xlsx(sheets, hidden=()))["Location"])
    plan = response.context["plan"]
    found = {(p.sheet, p.row, p.column.split(" / ")[0]) for p in plan.problems}
    assert ("Recommendations", 2, "Title (French)") in found
    assert ("Recommendations", 2, "Lead agency") in found
    assert ("Recommendations", 2, "Target date") in found
    assert ("Recommendations", 3, "Reference code") in found
    assert ("Recommendations", 3, "Source passage") in found
    assert ("Action items", 2, "Recommendation code") in found
    assert ("Action items", 3, "Title (English)") in found
    assert client.post(response.request["PATH_INFO"]).status_code == 400
    assert Source.objects.count() == 0
    assert Recommendation.objects.count() == 0


def test_a_hidden_sheet_is_refused(client: Client, coordinator: User) -> None:
    client.force_login(coordinator)
    sheets = new_source_sheets()
    sheets["Secret"] = [["x"]]
    response = client.get(_upload(client, xlsx(sheets, hidden=("Secret",)))["Location"])
    assert any("hidden" in p.message for p in response.context["plan"].problems)


def test_only_coordinators_may_import(client: Client, db: None) -> None:
    rcmp = AgencyFactory.create(acronym="RCMP")
    staff = MembershipFactory.create(agency=rcmp, role=Membership.Role.STAFF).user
    client.force_login(staff)
    assert client.get(reverse("imports:source_workbook")).status_code == 403
    assert _upload(client, xlsx(new_source_sheets())).status_code == 403
    assert client.get(reverse("imports:template")).status_code == 403
