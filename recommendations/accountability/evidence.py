"""What an evidence file is, decided from its content, never from its name or the client's
Content-Type (both are whatever the uploader says).

The accepted kinds have unambiguous signatures (PDF, PNG, JPEG, the OLE container of old Office
files, the ZIP container of new ones with the part that names Word, Excel or PowerPoint), except
CSV and plain text, which are accepted when they decode as UTF-8 and hold no NUL byte. The file
name's extension must agree with what the content is, so that nobody downloads "report.pdf" that
is really a spreadsheet.
"""

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class EvidenceKind:
    content_type: str
    extensions: tuple[str, ...]


PDF = EvidenceKind("application/pdf", (".pdf",))
PNG = EvidenceKind("image/png", (".png",))
JPEG = EvidenceKind("image/jpeg", (".jpg", ".jpeg"))
OLD_OFFICE = EvidenceKind("application/vnd.ms-office", (".doc", ".xls", ".ppt"))
DOCX = EvidenceKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = EvidenceKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = EvidenceKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
)
CSV = EvidenceKind("text/csv", (".csv",))
TEXT = EvidenceKind("text/plain", (".txt", ".text", ".md"))

ACCEPTED_EXTENSIONS = sorted(
    {
        ext
        for kind in (PDF, PNG, JPEG, OLD_OFFICE, DOCX, XLSX, PPTX, CSV, TEXT)
        for ext in kind.extensions
    }
)
_OOXML_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_TEXT_SAMPLE = 64 * 1024


def _office_open_xml(stream: IO[bytes]) -> EvidenceKind | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    for prefix, kind in _OOXML_PARTS.items():
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def _text(sample: bytes, name: str) -> EvidenceKind | None:
    if b"\x00" in sample:
        return None
    try:
        # A multi-byte character cut at the end of the sample is not an error.
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:
            return None
    return CSV if PurePosixPath(name).suffix.lower() == ".csv" else TEXT


def sniff(stream: IO[bytes], name: str) -> EvidenceKind | None:
    """The kind of the file in ``stream`` (read from the start, then rewound), or None when it
    is not an accepted kind or its name's extension says something else."""
    stream.seek(0)
    head = stream.read(_TEXT_SAMPLE)
    stream.seek(0)
    kind: EvidenceKind | None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith(OLE_SIGNATURE):
        kind = OLD_OFFICE
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_open_xml(stream)
        stream.seek(0)
    elif head:
        kind = _text(head, name)
    else:
        kind = None
    if kind is None or PurePosixPath(name).suffix.lower() not in kind.extensions:
        return None
    return kind
