"""The REST API for recommendations, action items and progress updates (under /api/v1/).

Views here are thin adapters: they read the request, ask ``recommendations.policies`` who may do
what, call ``recommendations.services`` to write and ``recommendations.selectors`` to read.
"""
