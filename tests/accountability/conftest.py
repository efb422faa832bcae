import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import client_for  # noqa: F401 - a fixture shared with the API tests

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "report.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx(name: str = "minutes.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def stored_files(location: Path) -> list[Path]:
    return [path for path in location.rglob("*") if path.is_file()]
