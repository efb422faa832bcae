import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class User(AbstractUser):
    """A person who signs in. Their agencies and roles are Memberships."""

    language = models.CharField(
        _("preferred language"),
        max_length=2,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("Used for the pages you see and the emails you receive."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Here rather than in a view, so that every path (password change, reset by email, the
        # admin, ``add_member --password``, a deactivation) revokes the person's API tokens.
        # ``_password`` is set by set_password() until the save completes.
        password_changed = getattr(self, "_password", None) is not None
        update_fields = kwargs.get("update_fields")
        deactivated = not self.is_active and (update_fields is None or "is_active" in update_fields)
        super().save(*args, **kwargs)
        if password_changed or deactivated:
            ApiToken.objects.filter(user=self).delete()


class AgencyLevel(models.TextChoices):
    FEDERAL = "federal", _("Federal")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    INDIGENOUS = "indigenous", _("Indigenous")
    INTERNATIONAL = "international", _("International")


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Police")
    BORDER = "border", _("Border")
    HEALTH = "health", _("Health")
    FINANCIAL_INTELLIGENCE = "financial_intelligence", _("Financial intelligence")
    PROSECUTION = "prosecution", _("Prosecution")
    POSTAL = "postal", _("Postal")
    POLICY = "policy", _("Policy")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")


class MembershipRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    MANAGER = "manager", _("Manager")
    COORDINATOR = "coordinator", _("Coordinator")


def acronym_in_language(acronym: str, acronym_fr: str) -> str:
    """The acronym a reader of the active language knows: the French one where there is one."""
    return acronym_fr if acronym_fr and get_language() == "fr" else acronym


class Agency(models.Model):
    Level = AgencyLevel
    Kind = AgencyKind

    # The English acronym is the identifier (API, commands, addresses); the French one is shown
    # to French readers (GRC, ASFC, CANAFE...). Empty where the acronym is the same in French.
    acronym = models.CharField(_("acronym"), max_length=16, unique=True)
    acronym_fr = models.CharField(_("acronym (French)"), max_length=16, blank=True, default="")
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=[c.value for c in AgencyLevel]),
                name="agency_level_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[c.value for c in AgencyKind]),
                name="agency_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.local_acronym

    @property
    def local_acronym(self) -> str:
        """The acronym in the active language (the English one is the identifier)."""
        return acronym_in_language(self.acronym, self.acronym_fr)

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_fr if get_language() == "fr" else self.name_en


class Membership(models.Model):
    Role = MembershipRole

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency"], name="membership_one_role_per_agency"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[c.value for c in MembershipRole]),
                name="membership_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["agency", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A key for the REST API (``Authorization: Token <key>``), stored only as its SHA-256.

    A person may hold several (one per script or integration), each shown once when created.
    A token dies when it is revoked, when it has not been used for ``API_TOKEN_IDLE_DAYS``, and
    with its owner's password change, password reset or deactivation.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters of the key, so that a person can tell their tokens apart.
    prefix = models.CharField(_("starts with"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "last_used_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"

    @staticmethod
    def digest_of(key: str) -> str:
        # The key is 160 random bits: a fast hash is enough (no dictionary to guess from).
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class CredentialsVersion(models.Model):
    """One row whose number goes up in the same transaction as every change to who may call the
    API and as whom: an API token created, re-keyed or deleted, a person changed or deleted, a
    membership added, changed or removed.

    Moved by database triggers (migration ``0004_credentials_version``), not by Django signals,
    so that no path can forget it: a queryset ``update()``, a cascade, a fixture and plain SQL
    all move it. A token's last use is the one write that does not (it changes nothing the API
    decides with, and is written every few minutes). What a web process remembers of a token
    (``services.api_token_authenticate``) is used only while this number is the one it was read
    under, so a revoked token, a new password, a deactivation or a changed role acts on the next
    request."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("credentials version")
        verbose_name_plural = _("credentials versions")

    def __str__(self) -> str:
        return str(self.value)
