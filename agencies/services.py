import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

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


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token with this key (its user loaded), or None. Records when it was last used.

    A token idle for longer than ``API_TOKEN_IDLE_DAYS`` is deleted here, on its first use after.
    """
    if not key or len(key) > 64:
        return None
    # The person's memberships come in the same query (one row per membership, a left join), so
    # the roles every API permission asks for cost no second query: a round trip and a query
    # built per request were a tenth of a cached API read (profile, issue 12).
    rows = list(
        ApiToken.objects.filter(digest=ApiToken.digest_of(key))
        .select_related("user")
        .annotate(
            membership_agency_id=F("user__memberships__agency_id"),
            membership_role=F("user__memberships__role"),
        )
        .order_by()
    )
    if not rows:
        return None
    token = rows[0]
    user_roles_remember(
        token.user,
        ((row.membership_agency_id, row.membership_role) for row in rows),
    )
    now = timezone.now()
    if token.last_used_at < now - api_token_idle_limit() or not token.user.is_active:
        token.delete()
        return None
    if token.last_used_at < now - _TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens. Returns whether there was such a token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token ``user`` holds. Returns how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
