"""A coordinator adds a source document by uploading its PDF: the text layer becomes the source's
text; a PDF without text, an encrypted one, or a file that is not a PDF is refused with a clear
message and nothing is saved. The PDFs are made here (fpdf2, pypdf); nothing is downloaded."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pytest_django import Settings as DjangoSettings

from agencies.models import Membership, User
from imports.pdf_text import PdfRefused, pdf_text_extract
from recommendations.models import Source
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

PAGE_ONE = "The participants agreed that precursor chemicals arrive by courier."
PAGE_TWO = "Northern communities need more resources for interdiction."


def _pdf(*pages: str) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=12)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 10, text)
    return bytes(document.output())


def _encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _blank() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # a scan's page: no text operators at all
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.fixture
def coordinator(db: None) -> User:
    psc = AgencyFactory.create(acronym="PSC")
    return MembershipFactory.create(
        user=UserFactory.create(username="coord"), agency=psc, role=Membership.Role.COORDINATOR
    ).user


def _post(client: Client, upload: SimpleUploadedFile) -> object:
    return client.post(
        reverse("imports:source_create"),
        {
            "title_en": "Roundtable 2022",
            "title_fr": "Table ronde 2022",
            "publisher_en": "Public Safety Canada",
            "publisher_fr": "Sécurité publique Canada",
            "text_file": upload,
        },
    )


def test_the_text_of_every_page_is_extracted() -> None:
    text = pdf_text_extract(_pdf(PAGE_ONE, PAGE_TWO))
    assert PAGE_ONE in " ".join(text.split())
    assert PAGE_TWO in " ".join(text.split())
    assert text.index("precursor") < text.index("Northern")


def test_a_coordinator_uploads_the_source_as_a_pdf(client: Client, coordinator: User) -> None:
    client.force_login(coordinator)
    response = _post(client, SimpleUploadedFile("summary.pdf", _pdf(PAGE_ONE, PAGE_TWO)))
    assert getattr(response, "status_code", None) == 302
    source = Source.objects.get()
    assert PAGE_ONE in " ".join(source.text.split())
    assert PAGE_TWO in " ".join(source.text.split())


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", _blank(), "no text layer"),
        ("locked.pdf", _encrypted(_pdf(PAGE_ONE)), "encrypted or password-protected"),
        ("summary.pdf", b"This is a plain letter, not a PDF.", "not a PDF that can be read"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "not a PDF that can be read"),
        ("truncated.pdf", _pdf(PAGE_ONE)[:200], "not a PDF that can be read"),
    ],
)
def test_a_pdf_that_gives_no_text_is_refused_clearly_and_nothing_is_saved(
    client: Client, coordinator: User, name: str, data: bytes, message: str
) -> None:
    client.force_login(coordinator)
    response = _post(client, SimpleUploadedFile(name, data))
    assert getattr(response, "status_code", None) == 400
    assert message in response.content.decode()  # type: ignore[attr-defined]
    assert not Source.objects.exists()


def test_a_pdf_over_the_size_limit_is_refused(
    client: Client, coordinator: User, settings: DjangoSettings
) -> None:
    data = _pdf(PAGE_ONE)
    settings.IMPORT_MAX_BYTES = len(data) - 1
    with pytest.raises(PdfRefused, match="larger than"):
        pdf_text_extract(data)
    client.force_login(coordinator)
    response = _post(client, SimpleUploadedFile("summary.pdf", data))
    assert getattr(response, "status_code", None) == 400
    assert not Source.objects.exists()


def test_the_refusal_is_in_french_for_a_french_reader(client: Client, coordinator: User) -> None:
    coordinator.language = "fr"
    coordinator.save()
    client.force_login(coordinator)
    response = client.post(
        reverse("imports:source_create"),
        {
            "title_en": "Roundtable 2022",
            "title_fr": "Table ronde 2022",
            "publisher_en": "Public Safety Canada",
            "publisher_fr": "Sécurité publique Canada",
            "text_file": SimpleUploadedFile("scan.pdf", _blank()),
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert "n’a pas de couche de texte" in response.content.decode()  # noqa: RUF001 - French apostrophe
