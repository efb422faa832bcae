"""An email backend for the embedded default: each message is one ``.eml`` file in ``var/mail/``,
which any mail program (Outlook, Thunderbird, Apple Mail) opens with its HTML part."""

import uuid
from collections.abc import Sequence
from email.generator import BytesGenerator
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            # Written under a temporary name, then renamed: a reader never sees half a message.
            partial = self.directory / f".{name}.partial"
            partial.write_bytes(_eml_bytes(message))
            partial.rename(self.directory / name)
            sent += 1
        return sent


def _eml_bytes(message: EmailMessage) -> bytes:
    """The message as an .eml file: CRLF line ends, as mail programs expect, and lines starting
    with "From " left as they are (what Django's own ``as_bytes`` does)."""
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False).flatten(message.message(), linesep="\r\n")
    return buffer.getvalue()
