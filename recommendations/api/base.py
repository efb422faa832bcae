"""What every view of the recommendations API shares (kept for its importers)."""

from agencies.permissions import signed_in_user
from apis.base import LOOKUP_TEXT, TrackerApiMixin

__all__ = ["LOOKUP_TEXT", "TrackerApiMixin", "signed_in_user"]
