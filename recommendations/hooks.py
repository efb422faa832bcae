"""Extension points for apps built on top of this one (they register; this app never imports them).

An item panel is a function ``(request, item) -> str`` returning safe HTML shown beside an action
item; notifications uses it for the Watch button.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from .models import ActionItem

ItemPanel = Callable[[HttpRequest, ActionItem], SafeString]

_item_panels: list[ItemPanel] = []


def item_panel_register(panel: ItemPanel) -> ItemPanel:
    if panel not in _item_panels:
        _item_panels.append(panel)
    return panel


def item_panels_render(request: HttpRequest, item: ActionItem) -> list[SafeString]:
    return [panel(request, item) for panel in _item_panels]
