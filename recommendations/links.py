"""Addresses of the tracker's pages, for lists that write many of them."""

from collections.abc import Callable

from django.urls import reverse


def item_address() -> Callable[[int], str]:
    """``pk -> the action item's page address``, with one ``reverse()`` for a whole list: a
    reverse per row was most of the time of long lists and exports (profile, issue 12)."""
    marker = 987654321
    before, after = reverse("recommendations:item", args=[marker]).split(str(marker), 1)
    return lambda pk: f"{before}{pk}{after}"
