import datetime

import factory
from django.utils import timezone

from agencies.models import Agency, Membership, User
from recommendations.models import ActionItem, Recommendation, Source, Theme


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gc.ca")
    password = factory.django.Password("correct-horse-battery")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"AG{n}")
    name_en = factory.LazyAttribute(lambda o: f"{o.acronym} agency")
    name_fr = factory.LazyAttribute(lambda o: f"Agence {o.acronym}")
    level = Agency.Level.FEDERAL
    kind = Agency.Kind.POLICE


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Membership.Role.STAFF


class SourceFactory(factory.django.DjangoModelFactory[Source]):
    class Meta:
        model = Source
        django_get_or_create = ("key",)

    key = "test-source"
    title_en = "Test source"
    title_fr = "Source d'essai"
    publisher_en = "Public Safety Canada"
    publisher_fr = "Sécurité publique Canada"


class ThemeFactory(factory.django.DjangoModelFactory[Theme]):
    class Meta:
        model = Theme

    source = factory.SubFactory(SourceFactory)
    key = factory.Sequence(lambda n: f"theme-{n}")
    section = Theme.Section.GAP_OPPORTUNITY
    title_en = factory.Sequence(lambda n: f"Theme {n}")
    title_fr = factory.Sequence(lambda n: f"Thème {n}")
    position = factory.Sequence(lambda n: n)


class RecommendationFactory(factory.django.DjangoModelFactory[Recommendation]):
    class Meta:
        model = Recommendation

    code = factory.Sequence(lambda n: f"T-{n:03d}")
    source = factory.SelfAttribute("theme.source")
    theme = factory.SubFactory(ThemeFactory)
    title_en = factory.Sequence(lambda n: f"Recommendation {n}")
    title_fr = factory.Sequence(lambda n: f"Recommandation {n}")
    source_passage = "A passage."
    lead_agency = factory.SubFactory(AgencyFactory)
    target_date = datetime.date(2027, 12, 31)


class ActionItemFactory(factory.django.DjangoModelFactory[ActionItem]):
    class Meta:
        model = ActionItem

    recommendation = factory.SubFactory(RecommendationFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    title_en = factory.Sequence(lambda n: f"Action {n}")
    title_fr = factory.Sequence(lambda n: f"Action {n} (fr)")
    owner_agency = factory.SelfAttribute("recommendation.lead_agency")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    original_due_date = factory.SelfAttribute("due_date")


def verifier_create(username: str = "verifier") -> User:
    """A coordinator of the secretariat, to verify what the tests submit."""
    secretariat = AgencyFactory.create(acronym="PSC", name_en="Public Safety Canada")
    membership = MembershipFactory.create(
        user=UserFactory.create(username=username),
        agency=secretariat,
        role=Membership.Role.COORDINATOR,
    )
    return membership.user


def complete_through_verification(
    item: ActionItem,
    *,
    submitter: User,
    verifier: User | None = None,
    at: datetime.datetime | None = None,
    notify: bool = True,
) -> ActionItem:
    """Complete ``item`` the only way there is: submitted with evidence (a link) by
    ``submitter``, then accepted by ``verifier`` (another coordinator by default)."""
    from recommendations.accountability import services as accountability

    accountability.submission_create(
        item=item,
        actor=submitter,
        expected_version=None,
        note="Done; the report is published.",
        links=["https://www.publicsafety.gc.ca/report"],
        at=at,
        notify=notify,
    )
    item.refresh_from_db()
    accountability.verification_decide(
        item=item,
        actor=verifier or verifier_create(),
        expected_version=None,
        decision=accountability.ACCEPT,
        at=at,
        notify=notify,
    )
    item.refresh_from_db()
    return item
