"""Files that are refused whole, with a clear message, and nothing written."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from agencies.models import Membership, User
from recommendations.models import Recommendation, Source
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

from .helpers import new_source_sheets, xlsx


def _macro_workbook() -> bytes:
    data = io.BytesIO(xlsx(new_source_sheets()))
    with zipfile.ZipFile(data, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 100)
    return data.getvalue()


def _zip_bomb() -> bytes:
    data = io.BytesIO(xlsx(new_source_sheets()))
    with zipfile.ZipFile(data, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\x00" * (3 * 1024 * 1024))
    return data.getvalue()


# A password-protected workbook is an OLE2 compound file (EncryptedPackage), not a zip.
ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000

CASES = {
    "not a workbook": ("notes.xlsx", b"just some text, not a zip", "not a workbook"),
    "a picture": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "neither a workbook"),
    "password-protected": ("locked.xlsx", ENCRYPTED, "password-protected"),
    "macros": ("macros.xlsm", _macro_workbook(), "macros"),
    "macros under an .xlsx name": ("renamed.xlsx", _macro_workbook(), "macros"),
    "zip bomb": ("bomb.xlsx", _zip_bomb(), "zip bomb"),
    "empty": ("empty.csv", b"", "empty"),
}


@pytest.fixture
def coordinator(db: None) -> User:
    AgencyFactory.create(acronym="CBSA")
    AgencyFactory.create(acronym="RCMP")
    return MembershipFactory.create(
        user=UserFactory.create(),
        agency=AgencyFactory.create(acronym="PSC"),
        role=Membership.Role.COORDINATOR,
    ).user


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=2 * 1024 * 1024)
def test_the_command_refuses_the_file_and_writes_nothing(
    case: str, coordinator: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, data, message = CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_workbook", str(path))
    assert exit_info.value.code == 1
    assert message in capsys.readouterr().err
    assert Source.objects.count() == 0
    assert Recommendation.objects.count() == 0


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=2 * 1024 * 1024)
def test_the_page_refuses_the_file_with_a_clear_message(
    case: str, client: Client, coordinator: User
) -> None:
    name, data, message = CASES[case]
    client.force_login(coordinator)
    response = client.post(
        reverse("imports:source_workbook"), {"file": SimpleUploadedFile(name, data)}
    )
    if response.status_code == 400:  # an empty upload is refused by the form itself
        assert "empty" in response.content.decode()
        return
    preview = client.get(response["Location"])
    assert preview.status_code == 400
    assert message in preview.content.decode()
    assert client.post(response["Location"]).status_code == 400
    assert Source.objects.count() == 0


@override_settings(IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(client: Client, coordinator: User) -> None:
    client.force_login(coordinator)
    response = client.post(
        reverse("imports:source_workbook"),
        {"file": SimpleUploadedFile("big.xlsx", xlsx(new_source_sheets()))},
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_file_over_the_row_limit_is_refused(
    coordinator: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.xlsx"
    sheets = new_source_sheets()
    sheets["Action items"].extend(sheets["Action items"][1:] * 3)
    path.write_bytes(xlsx(sheets))
    with pytest.raises(SystemExit):
        call_command("import_workbook", str(path))
    assert "more than 3 rows" in capsys.readouterr().err
    assert Source.objects.count() == 0
