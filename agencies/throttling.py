"""Sign-in throttling: a growing cool-off per account and per client address, on every path.

The web sign-in, the admin's, the API token endpoint (all through ``SigninThrottleBackend``) and
the password reset form ask this module. Failures are counted in the cache under three keys:
the (account, address) pair, which cools off first; the address alone (one machine guessing many
accounts); and the account alone (many machines guessing one account), which need more failures.
A key that has used its free attempts is refused for ``SIGNIN_COOLOFF_SECONDS``, doubled with
each further failure up to ``SIGNIN_COOLOFF_MAX_SECONDS``: never a permanent lockout that an
attacker could impose on someone else. Attempts refused during a cool-off are not counted, so
they do not lengthen it.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

# Set on the request when an attempt was refused unchecked, for the forms' message.
_REFUSED_FOR = "_signin_refused_for"
_KEY_PREFIX = "signin-throttle"


def client_address(request: HttpRequest) -> str:
    """The caller's address: ``REMOTE_ADDR``, or the entry ``NUM_PROXIES`` trusted proxies added.

    With ``NUM_PROXIES=0`` (the default) ``X-Forwarded-For`` is ignored: anyone can write it.
    Behind N proxies, the Nth address from the right is the one our first proxy saw.
    """
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))][:64]
    return remote[:64]


@dataclass(frozen=True)
class _Scope:
    name: str
    free_attempts: int


def _scopes() -> list[tuple[_Scope, str]]:
    free = settings.SIGNIN_FREE_ATTEMPTS
    return [
        (_Scope("account-address", free), "{account}|{address}"),
        (_Scope("address", free * 4), "{address}"),
        (_Scope("account", free * 4), "{account}"),
    ]


def _key(kind: str, scope: _Scope, template: str, account: str, address: str) -> str:
    raw = template.format(account=account.strip().casefold(), address=address)
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{_KEY_PREFIX}:{kind}:{scope.name}:{digest}"


def _cooloff(failures: int, free: int) -> float:
    """Seconds of cool-off after ``failures`` failures, of which ``free`` cost nothing."""
    if failures < free:
        return 0.0
    doublings = min(failures - free, 20)
    return float(
        min(settings.SIGNIN_COOLOFF_SECONDS * 2**doublings, settings.SIGNIN_COOLOFF_MAX_SECONDS)
    )


def _wait(kind: str, account: str, address: str, *, scopes: list[tuple[_Scope, str]]) -> int:
    now = time.time()
    keys = [_key(kind, scope, template, account, address) for scope, template in scopes]
    states = cache.get_many(keys)
    wait = 0.0
    for key in keys:
        state = states.get(key)
        if isinstance(state, dict):
            wait = max(wait, float(state.get("until", 0)) - now)
    return math.ceil(wait) if wait > 0 else 0


def _record_failure(
    kind: str, account: str, address: str, *, scopes: list[tuple[_Scope, str]]
) -> None:
    now = time.time()
    # Counters are forgotten a day after the last failure, well past the longest cool-off.
    ttl = max(86400, settings.SIGNIN_COOLOFF_MAX_SECONDS * 2)
    keys = {_key(kind, scope, template, account, address): scope for scope, template in scopes}
    states = cache.get_many(list(keys))
    updates = {}
    for key, scope in keys.items():
        state = states.get(key)
        failures = int(state.get("failures", 0)) + 1 if isinstance(state, dict) else 1
        updates[key] = {
            "failures": failures,
            "until": now + _cooloff(failures, scope.free_attempts),
        }
    cache.set_many(updates, timeout=ttl)


def signin_wait(*, request: HttpRequest, username: str) -> int:
    """Seconds before ``username`` may try again from this caller's address (0: now)."""
    return _wait("signin", username, client_address(request), scopes=_scopes())


def signin_refuse(*, request: HttpRequest, seconds: int) -> None:
    setattr(request, _REFUSED_FOR, seconds)


def signin_refused_for(request: HttpRequest | None) -> int:
    """Seconds of cool-off if this request's sign-in was refused unchecked, else 0."""
    return int(getattr(request, _REFUSED_FOR, 0) or 0)


def signin_failed(*, request: HttpRequest, username: str) -> None:
    _record_failure("signin", username, client_address(request), scopes=_scopes())


def signin_succeeded(*, request: HttpRequest, username: str) -> None:
    # The account's counters start again; the address's do not, or an attacker holding any
    # account could reset their own address's count between guesses.
    address = client_address(request)
    cache.delete_many(
        [
            _key("signin", scope, template, username, address)
            for scope, template in _scopes()
            if scope.name != "address"
        ]
    )


def password_reset_allowed(*, request: HttpRequest, email: str) -> tuple[bool, bool]:
    """Whether a reset request is accepted from this address, and whether its email may go out.

    Each request counts, sent or not. Over the address's limit the form says so (that reveals
    nothing about any account); over the account's limit the request is answered as usual but
    no email goes out, so that a known address and an unknown one look the same.
    """
    address = client_address(request)
    per_hour = settings.PASSWORD_RESET_PER_HOUR
    address_key = f"{_KEY_PREFIX}:reset:address:{hashlib.sha256(address.encode()).hexdigest()[:32]}"
    account_key = (
        f"{_KEY_PREFIX}:reset:account:"
        f"{hashlib.sha256(email.strip().casefold().encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"
    )
    address_count = _hourly_count(address_key)
    if address_count > per_hour * 4:
        return False, False
    return True, _hourly_count(account_key) <= per_hour


def _hourly_count(key: str) -> int:
    # add() then incr(): atomic on Redis and on the local cache; the window starts with the first.
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=3600)
        return 1
