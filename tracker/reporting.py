"""What Django's debug pages and error emails may show of the settings."""

import re

from django.views.debug import SafeExceptionReporterFilter


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    # Django's list (keys, tokens, passwords) plus every setting that may carry a password
    # inside a URL: REDIS_URL, CELERY_BROKER_URL, DATABASE_URL, CACHES (Redis LOCATION)...
    hidden_settings = re.compile(
        r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|_URL$|^CACHES$|^DATABASES$|BROKER|"
        r"EMAIL_HOST_USER|DSN",
        flags=re.IGNORECASE,
    )
