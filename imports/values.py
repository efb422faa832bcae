"""Turn one cell into a value, or a translated message for the person: shared by the imports."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from .reading import Cell


@dataclass(frozen=True)
class Column:
    """A column of an import sheet: its key, its headers in both languages, whether it is
    required, and a note for the template's notes sheet (English, French)."""

    key: str
    en: str
    fr: str
    required: bool = False
    note_en: str = ""
    note_fr: str = ""

    @property
    def header(self) -> str:
        return f"{self.en} / {self.fr}"

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.en, self.fr, self.header, self.key)


class CellError(Exception):
    """The cell's value cannot be used; the message is for the person."""


def text(cell: Cell) -> str:
    if cell.formula:
        raise CellError(_("A formula is not accepted here: type the value itself."))
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def date(cell: Cell) -> datetime.date | None:
    if cell.formula:
        raise CellError(_("A formula is not accepted here: type the value itself."))
    value = cell.value
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CellError(
            _("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value}
        ) from None


def whole_number(cell: Cell) -> int | None:
    if cell.formula:
        raise CellError(_("A formula is not accepted here: type the value itself."))
    value: Any = cell.value
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip().rstrip("%").strip())
    except ValueError:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value}) from None


def choice_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every way a cell may name a choice (its value, its English and French labels, compared
    without case) mapped to the value."""
    names: dict[str, str] = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for value, label in choices.choices:
                names[str(label).casefold()] = value
    for value in choices.values:
        names[value.casefold()] = value
    return names


def choice(cell: Cell, choices: type[models.TextChoices], names: dict[str, str]) -> str | None:
    """A choice written as its value (``in_progress``) or its label in English or French;
    ``names`` is ``choice_labels(choices)``, computed once per file."""
    raw = text(cell)
    if not raw:
        return None
    value = names.get(raw.casefold())
    if value is None:
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": raw, "choices": ", ".join(str(label) for label in choices.labels)}
        )
    return value


def split_list(raw: str) -> list[str]:
    """Values separated by commas, semicolons or new lines."""
    for separator in (";", "\n"):
        raw = raw.replace(separator, ",")
    return [part.strip() for part in raw.split(",") if part.strip()]
