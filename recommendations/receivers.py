"""Writes that do not go through ``services`` (the admin, loaders, a shell) still move the data
version, so no cached report outlives them: any save or delete of a model a report reads."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from agencies.models import Agency, User

from .models import ActionItem, ProgressUpdate, Recommendation, Source, Theme
from .services import data_version_bump


def _bump(sender: type, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading a fixture: the data version comes with it
        return
    if str(kwargs.get("action", "post_")).startswith("pre_"):  # m2m: once, after the change
        return
    data_version_bump()


def _bump_for_person(sender: type, **kwargs: Any) -> None:
    # Usernames appear in what is cached (an item's assignee, who submitted or decided its
    # verification), and deleting a person unassigns their items with an UPDATE that sends no
    # signal of its own. A save naming its fields without the username (the last sign-in, the
    # language) changes nothing shown, and is most of a person's saves.
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "username" not in update_fields:
        return
    _bump(sender, **kwargs)


def connect() -> None:
    for model in (Agency, Source, Theme, Recommendation, ActionItem, ProgressUpdate):
        post_save.connect(_bump, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}"
        )
    post_save.connect(_bump_for_person, sender=User, dispatch_uid="data-version-save-User")
    post_delete.connect(_bump_for_person, sender=User, dispatch_uid="data-version-delete-User")
    m2m_changed.connect(
        _bump,
        sender=Recommendation.supporting_agencies.through,
        dispatch_uid="data-version-supporting-agencies",
    )
