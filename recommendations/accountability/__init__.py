"""Accountability: completion on evidence with a verifier's sign-off, due-date extension requests,
and coordinators' independent assessments beside each self-report."""
