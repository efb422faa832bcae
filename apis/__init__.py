"""Plumbing every app's HTTP API shares (no models, no app's rules).

Each app's API (``agencies``, ``recommendations``, ``reports``) imports from here; this package
imports none of them, so the apps keep their one-way dependency (notifications, reports →
recommendations → agencies) and share one behaviour: strict query parameters, pagination, the
JSON error format and the ETag helpers.
"""
