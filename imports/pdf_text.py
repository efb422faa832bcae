"""The text of a source document uploaded as a PDF, refusing what cannot give it.

Quoted passages of the recommendations are checked word for word against a source's text, so a
PDF is only useful when it has a text layer. Every refusal is a ``PdfRefused`` with a translated
message for the person who uploaded the file; the caller saves nothing for a refused file. In
order:

1. size (``IMPORT_MAX_BYTES``, the limit of every upload of the imports);
2. the bytes start with ``%PDF-`` (within the first kilobyte, as readers allow);
3. pypdf can parse it, it is not encrypted, and it has at most ``PDF_MAX_PAGES`` pages;
4. the pages give some text (a scanned PDF gives none).
"""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

# Extraction is CPU work in the web request: a bound, far above any meeting summary.
PDF_MAX_PAGES = 1000


class PdfRefused(Exception):
    """The PDF gives no usable text; the message says why, for the person."""


def looks_like_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _unreadable() -> PdfRefused:
    return PdfRefused(_("This file is not a PDF that can be read."))


def pdf_text_extract(data: bytes) -> str:
    """The text of every page, pages separated by a blank line, or PdfRefused."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise PdfRefused(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"}
        )
    if not looks_like_pdf(data):
        raise _unreadable()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused(
                _(
                    "This PDF is encrypted or password-protected: save a copy without "
                    "protection, or paste its text."
                )
            )
        if len(reader.pages) > PDF_MAX_PAGES:
            raise PdfRefused(
                _("This PDF has more than %(limit)s pages; paste the text instead.")
                % {"limit": PDF_MAX_PAGES}
            )
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except PdfRefused:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError, RecursionError):
        # pypdf raises many kinds on a damaged file.
        raise _unreadable() from None
    text = "\n\n".join(page for page in pages if page)
    if not text.strip():
        raise PdfRefused(
            _(
                "This PDF has no text layer (it is probably a scanned image): paste the text, "
                "or upload a PDF whose text can be selected."
            )
        )
    return text
