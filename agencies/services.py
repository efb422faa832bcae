import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone

from tracker.memory import BoundedStore

from . import selectors
from .models import Agency, ApiToken, Language, Membership, User
from .selectors import user_roles_forget, user_roles_remember


@transaction.atomic
def member_add(
    *,
    username: str,
    agency: Agency,
    role: str,
    email: str | None = None,
    password: str | None = None,
    language: str | None = None,
) -> tuple[User, Membership, bool]:
    """Create the user if needed and give them ``role`` in ``agency``.

    Returns the user, the membership and whether the user was created. An existing user keeps
    their password and email unless new ones are given.
    """
    if role not in Membership.Role.values:
        raise ValueError(
            f"Unknown role {role!r}; choose one of {', '.join(Membership.Role.values)}."
        )
    if language is not None and language not in Language.values:
        raise ValueError(f"Unknown language {language!r}; choose en or fr.")
    # Checked here because get_or_create() and save() skip model validation: an operator's typo
    # must not create an account nobody can sign in to, or one whose reminders cannot be sent.
    max_length = User._meta.get_field("username").max_length or 150
    try:
        User.username_validator(username)
        username_ok = 0 < len(username) <= max_length
    except ValidationError:
        username_ok = False
    if not username_ok:
        raise ValueError(
            f"Invalid username {username!r}: 1 to {max_length} letters, digits and @ . + - _ only."
        )
    if email is not None:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ValueError(f"Invalid email address {email!r}.") from error
    user, created = User.objects.get_or_create(username=username)
    changed_fields: list[str] = []
    if email is not None:
        user.email = email
        changed_fields.append("email")
    if language is not None:
        user.language = language
        changed_fields.append("language")
    if password is not None:
        user.set_password(password)
        changed_fields.append("password")
    elif created:
        user.set_unusable_password()
        changed_fields.append("password")
    if changed_fields:
        user.save(update_fields=changed_fields)
    membership, _ = Membership.objects.update_or_create(
        user=user, agency=agency, defaults={"role": role}
    )
    user_roles_forget(user)
    return user, membership, created


def user_language_set(*, user: User, language: str) -> bool:
    """Save ``language`` as the user's preferred language. Returns whether it changed.

    The language switcher and the sign-in page (a choice made before signing in) both call this.
    """
    if language not in Language.values:
        raise ValueError(f"Unknown language {language!r}; choose en or fr.")
    if user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True


# API tokens --------------------------------------------------------------------------------------

# A token's last use is written at most this often, so that reading the API is not a write each time.
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def api_token_idle_limit() -> timedelta:
    return timedelta(days=settings.API_TOKEN_IDLE_DAYS)


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns the row and the key, which is never stored nor shown again."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=key[:8],
        digest=ApiToken.digest_of(key),
        last_used_at=timezone.now(),
    )
    return token, key


@dataclass(frozen=True)
class _KnownToken:
    """What ``api_token_authenticate`` read of a token, under credentials version ``version``:
    the token's and its person's column values (each request builds its own instances from
    them, so nothing one request does to its user reaches another) and their memberships."""

    version: int
    token: tuple[Any, ...]
    user: tuple[Any, ...]
    memberships: tuple[tuple[int | None, str | None], ...]

    def instances(self) -> ApiToken:
        token = ApiToken.from_db(DEFAULT_DB_ALIAS, _TOKEN_COLUMNS, self.token)
        token.user = User.from_db(DEFAULT_DB_ALIAS, _USER_COLUMNS, self.user)
        user_roles_remember(token.user, self.memberships)
        return token


_TOKEN_COLUMNS = [field.attname for field in ApiToken._meta.concrete_fields]
_USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]
# Tokens this process has read, by digest (a few hundred bytes each). An entry answers only while
# the credentials version is the one it was read under and its token was used within the touch
# interval, so expiry and the last-use write stay with the database read below.
_KNOWN_TOKENS: BoundedStore[_KnownToken] = BoundedStore(max_size=10_000)  # entries


def api_token_authenticate(*, key: str, credentials_version: int | None = None) -> ApiToken | None:
    """The live token with this key (its user loaded), or None. Records when it was last used.

    A token idle for longer than ``API_TOKEN_IDLE_DAYS`` is deleted here, on its first use after.

    A token this process read under the current credentials version (``CredentialsVersion``:
    one primary-key read, or ``credentials_version`` when the caller read it first) and saw
    used within the last few minutes is taken from memory: the token query, built and run and
    its rows turned into models, was more than half of a cached API read (2.1 of 3.7 ms,
    profile, issue 12). The version is read before the token, so an entry is never older than
    the version it names, and any change to a token, a person or a membership commits with a
    new version: the next request reads the database again.
    """
    if not key or len(key) > 64:
        return None
    digest = ApiToken.digest_of(key)
    version = (
        selectors.credentials_version() if credentials_version is None else credentials_version
    )
    now = timezone.now()
    known = _KNOWN_TOKENS.get(digest)
    if known is not None and known.version == version:
        token = known.instances()
        if token.last_used_at >= now - _TOKEN_TOUCH_INTERVAL:
            return token
    # The person's memberships come in the same query (one row per membership, a left join), so
    # the roles every API permission asks for cost no second query.
    rows = list(
        ApiToken.objects.filter(digest=digest)
        .select_related("user")
        .annotate(
            membership_agency_id=F("user__memberships__agency_id"),
            membership_role=F("user__memberships__role"),
        )
        .order_by()
    )
    if not rows:
        _KNOWN_TOKENS.discard(digest)
        return None
    token = rows[0]
    if token.last_used_at < now - api_token_idle_limit() or not token.user.is_active:
        _KNOWN_TOKENS.discard(digest)
        token.delete()
        return None
    if token.last_used_at < now - _TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    known = _KnownToken(
        version=version,
        token=tuple(getattr(token, column) for column in _TOKEN_COLUMNS),
        user=tuple(getattr(token.user, column) for column in _USER_COLUMNS),
        memberships=tuple((row.membership_agency_id, row.membership_role) for row in rows),
    )
    _KNOWN_TOKENS.put(digest, known)
    return known.instances()


def known_tokens_forget() -> None:
    """Empty this process's memory of tokens (tests; after restoring a backup, restart the web
    processes instead: the credentials version starts again from the backup's)."""
    _KNOWN_TOKENS.clear()


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens. Returns whether there was such a token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token ``user`` holds. Returns how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
