"""Settings of the HTTP benchmark's server (``benchmarks.web``): the production settings with
the API's rate limits off, so the benchmark measures the work of a request, not a 429."""

from tracker.settings import *  # noqa: F403

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
