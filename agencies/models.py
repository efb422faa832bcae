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
