from django.dispatch import Signal

# Sent after the transaction commits. Arguments: kind ("submitted", "verified",
# "extension_requested", "extension_decided") and record_id (the Submission or ExtensionRequest).
# The notifications app listens and emails the people concerned.
accountability_event = Signal()
