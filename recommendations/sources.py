"""Writes to source documents and their themes (services; the web form, the workbook import and
``load_roundtable`` call these). ``actor=None`` is an operator's command."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agencies.models import User

from . import policies
from .models import Source, Theme


def _check(actor: User | None) -> None:
    if actor is not None and not policies.can_edit_recommendation(actor):
        raise PermissionDenied(_("Only coordinators may add or edit source documents."))


def source_key_suggest(title: str) -> str:
    """A key for a new source from its title, not yet taken."""
    base = slugify(title)[:40].strip("-") or "source"
    key, number = base, 2
    while Source.objects.filter(key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key


def _clean(source: Source) -> None:
    try:
        source.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def source_save(
    *,
    actor: User | None,
    key: str,
    title_en: str,
    title_fr: str,
    publisher_en: str,
    publisher_fr: str,
    published_on: datetime.date | None = None,
    url: str = "",
    text: str | None = None,
) -> tuple[Source, bool]:
    """Create the source with ``key`` or update the fields that differ. ``text=None`` keeps the
    current text. Returns the source and whether anything was written."""
    _check(actor)
    values: dict[str, Any] = {
        "title_en": title_en.strip(),
        "title_fr": title_fr.strip(),
        "publisher_en": publisher_en.strip(),
        "publisher_fr": publisher_fr.strip(),
        "published_on": published_on,
        "url": url.strip(),
    }
    if text is not None:
        values["text"] = text
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(key=key).first()
        if source is None:
            source = Source(key=key, **values)
            _clean(source)
            source.save()
            return source, True
        changed = [name for name, value in values.items() if getattr(source, name) != value]
        if not changed:
            return source, False
        for name in changed:
            setattr(source, name, values[name])
        _clean(source)
        source.save(update_fields=changed)
    return source, True


def theme_save(
    *,
    actor: User | None,
    source: Source,
    key: str,
    section: str,
    title_en: str,
    title_fr: str,
    position: int,
) -> tuple[Theme, bool]:
    """Create the theme ``key`` of ``source`` or update what differs; returns it and whether
    anything was written."""
    _check(actor)
    values: dict[str, Any] = {
        "section": section,
        "title_en": title_en.strip(),
        "title_fr": title_fr.strip(),
        "position": position,
    }
    with transaction.atomic():
        theme = Theme.objects.filter(source=source, key=key).first()
        if theme is None:
            theme = Theme(source=source, key=key, **values)
            theme.full_clean()
            theme.save()
            return theme, True
        changed = [name for name, value in values.items() if getattr(theme, name) != value]
        if not changed:
            return theme, False
        for name in changed:
            setattr(theme, name, values[name])
        theme.full_clean()
        theme.save(update_fields=changed)
    return theme, True
