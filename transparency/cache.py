"""How the public pages stay fast and safe under anonymous traffic.

Each page is rendered once per language and kept in the shared cache under a key that includes a
*generation* number; a change of anything public bumps the generation (``public_cache_invalidate``,
called on commit by the receivers), so every page and language is dropped at once without
listing keys. Responses carry ``Cache-Control: public, max-age`` and a strong ETag (a hash of the
body), and a reader sending it back in ``If-None-Match`` gets 304. Each address may make
``PUBLIC_RATE_LIMIT`` requests per minute (429 beyond, with ``Retry-After``).
"""

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext as _

GENERATION_KEY = "public:generation"


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    content_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A fresh cache (or an evicted key): start from the clock, so a generation used before
        # the eviction is never reused for different content.
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return int(generation)


def public_cache_invalidate() -> None:
    """Drop every cached public page and file, in every language."""
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _client_address(request: HttpRequest) -> str:
    # Behind the TLS proxy REMOTE_ADDR is the proxy; the deployment sets PUBLIC_CLIENT_IP_HEADER
    # (e.g. HTTP_X_FORWARDED_FOR) only when its proxy overwrites that header.
    header = settings.PUBLIC_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


# The shared counter is written once every RATE_FLUSH_EVERY requests of an address (and on its
# first request of the minute), not on every request: a write to the file cache costs ten times
# a cached page. Each process may thus let up to RATE_FLUSH_EVERY - 1 requests more through
# before it learns of the others' counts; a limit is about floods, not the exact request.
RATE_FLUSH_EVERY = 25
_rate_lock = threading.Lock()
_rate_pending: dict[str, int] = {}
_rate_shared: dict[str, int] = {}


def rate_limit_reset() -> None:
    """Forget this process's counts (tests)."""
    with _rate_lock:
        _rate_pending.clear()
        _rate_shared.clear()


def rate_limited(request: HttpRequest) -> bool:
    """True once this address has made more than PUBLIC_RATE_LIMIT requests this minute."""
    limit = settings.PUBLIC_RATE_LIMIT
    if limit <= 0:
        return False
    window = int(time.time() // 60)
    key = f"public:rate:{_client_address(request)}:{window}"
    with _rate_lock:
        pending = _rate_pending.get(key, 0) + 1
        if key in _rate_shared and pending < RATE_FLUSH_EVERY:
            _rate_pending[key] = pending
            return _rate_shared[key] + pending > limit
        if len(_rate_shared) > 10_000:  # a new minute, or many addresses: start afresh
            _rate_pending.clear()
            _rate_shared.clear()
        _rate_pending[key] = 0
    cache.add(key, 0, timeout=120)
    try:
        count = int(cache.incr(key, pending))
    except ValueError:  # evicted between add and incr
        cache.set(key, pending, timeout=120)
        count = pending
    with _rate_lock:
        _rate_shared[key] = count
    return count > limit


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    tags = {tag.strip() for tag in header.split(",")}
    return etag in tags or "*" in tags


def _respond(request: HttpRequest, page: CachedPage) -> HttpResponse:
    if _etag_matches(request, page.etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(page.body, content_type=page.content_type)
        for name, value in page.headers:
            response[name] = value
    response["ETag"] = page.etag
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_CACHE_SECONDS}"
    return response


Renderer = Callable[..., HttpResponse]


def public_page(render: Renderer) -> Callable[..., HttpResponseBase]:
    """Serve a public view from the cache. The URL gives ``language`` ("en", "fr", or None for
    language-neutral files such as the open data), which is active while it renders. GET and
    HEAD only; no cookie is ever set (the templates use no CSRF token and no session)."""

    @wraps(render)
    def view(
        request: HttpRequest, *args: Any, language: str | None = None, **kwargs: Any
    ) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
            return response
        with translation.override(language or settings.LANGUAGE_CODE):
            if rate_limited(request):
                response = HttpResponse(
                    _("Too many requests from your address. Please wait a minute."),
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = "60"
                return response
            # The query string is not part of the key: these pages take no parameters, and
            # ?x=1 must not become a way around the cache.
            key = f"public:{_generation()}:{language or '-'}:{request.path}"
            page = cache.get(key)
            if page is None:
                rendered = render(request, *args, language=language, **kwargs)
                if rendered.status_code != 200:
                    return rendered
                body = rendered.content
                page = CachedPage(
                    body=body,
                    content_type=rendered["Content-Type"],
                    etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                    headers=tuple(
                        (name, rendered[name])
                        for name in ("Content-Language", "Content-Disposition", "Link")
                        if rendered.has_header(name)
                    ),
                )
                # Also expires with time: "overdue" and "date modified" depend on the day.
                cache.set(key, page, timeout=settings.PUBLIC_CACHE_SECONDS)
            return _respond(request, page)

    return view
