"""Extension points for apps built on top of this one (they register; this app never imports them).

An item panel is a function ``(request, item, *, bound_forms) -> str`` returning safe HTML shown
beside an action item; notifications uses it for the Watch button, the accountability workflow
for its record and forms. ``bound_forms`` holds the form a person posted to a panel and that was
refused, keyed by the panel's name (``{"accountability": form}``), so the page shown again puts
the errors beside the fields with what was typed; a panel reads only its own key and renders its
other forms blank.
"""

from collections.abc import Mapping
from typing import Protocol

from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.safestring import SafeString

from .models import ActionItem


class ItemPanel(Protocol):
    def __call__(
        self, request: HttpRequest, item: ActionItem, *, bound_forms: Mapping[str, BaseForm]
    ) -> SafeString: ...


_item_panels: list[ItemPanel] = []


def item_panel_register(panel: ItemPanel) -> ItemPanel:
    if panel not in _item_panels:
        _item_panels.append(panel)
    return panel


def item_panels_render(
    request: HttpRequest, item: ActionItem, *, bound_forms: Mapping[str, BaseForm] | None = None
) -> list[SafeString]:
    return [panel(request, item, bound_forms=bound_forms or {}) for panel in _item_panels]
