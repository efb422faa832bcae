"""Writes that do not go through ``services`` (the admin, loaders, a shell) still move the data
version, so no cached report outlives them: any save or delete of a model a report reads."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from agencies.models import Agency

from .models import ActionItem, ProgressUpdate, Recommendation, Source, Theme
from .services import data_version_bump


def _bump(sender: type, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading a fixture: the data version comes with it
        return
    if str(kwargs.get("action", "post_")).startswith("pre_"):  # m2m: once, after the change
        return
    data_version_bump()


def connect() -> None:
    for model in (Agency, Source, Theme, Recommendation, ActionItem, ProgressUpdate):
        post_save.connect(_bump, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _bump,
        sender=Recommendation.supporting_agencies.through,
        dispatch_uid="data-version-supporting-agencies",
    )
