import datetime
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, User


class BilingualMixin:
    """``obj.title`` and ``obj.description`` in the active language, from ``*_en``/``*_fr``."""

    def _in_language(self, field: str) -> str:
        french = getattr(self, f"{field}_fr", "")
        english = getattr(self, f"{field}_en", "")
        return (french or english) if get_language() == "fr" else (english or french)

    @property
    def title(self) -> str:
        return self._in_language("title")

    @property
    def description(self) -> str:
        return self._in_language("description")


class Source(BilingualMixin, models.Model):
    key = models.SlugField(_("key"), unique=True)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    publisher_en = models.CharField(_("publisher (English)"), max_length=200)
    publisher_fr = models.CharField(_("publisher (French)"), max_length=200)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True)
    text = models.TextField(_("full text"), blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title

    @property
    def publisher(self) -> str:
        return self._in_language("publisher")


class ThemeSection(models.TextChoices):
    KEY_THEME = "key_theme", _("Key theme")
    GAP_OPPORTUNITY = "gap_opportunity", _("Gap and opportunity")
    FUTURE_DISCUSSION = "future_discussion", _("Topic for future discussion")


class Theme(BilingualMixin, models.Model):
    Section = ThemeSection

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="themes", verbose_name=_("source")
    )
    key = models.SlugField(_("key"))
    section = models.CharField(_("section"), max_length=32, choices=Section.choices)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["source_id", "position"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="theme_key_unique_per_source"),
            models.CheckConstraint(
                condition=Q(section__in=[c.value for c in ThemeSection]), name="theme_section_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Priority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# One pattern for reference codes, whatever the source: a prefix of capital letters, optionally
# followed by a year (RT21, GAP), a hyphen and a number: RT21-07, RT22-03. An action item's
# reference adds its number after a dot: RT21-07.1 (see ActionItem.reference).
RECOMMENDATION_CODE_PATTERN = r"^[A-Z]+[0-9]*-[0-9]+$"
RECOMMENDATION_CODE_EXAMPLE = "RT22-03"


class Recommendation(BilingualMixin, models.Model):
    code = models.CharField(
        _("reference code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                RECOMMENDATION_CODE_PATTERN,
                _(
                    "Enter a code such as RT22-03: capital letters, optionally a year, a hyphen "
                    "and a number."
                ),
            )
        ],
        help_text=_(
            "Such as RT22-03; its action items are numbered RT22-03.1, RT22-03.2 and so on."
        ),
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("source")
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("theme")
    )
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    source_passage = models.TextField(
        _("source passage"), help_text=_("The passage of the source, word for word.")
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.MEDIUM
    )
    lead_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="led_recommendations",
        verbose_name=_("lead agency"),
    )
    supporting_agencies = models.ManyToManyField(
        Agency,
        blank=True,
        related_name="supported_recommendations",
        verbose_name=_("supporting agencies"),
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # Shown on the public progress page and in the open data; changed only through
    # services.recommendation_set_published, which records why on the publication timeline.
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=[c.value for c in Priority]),
                name="recommendation_priority_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    # Submitted as done with evidence, waiting for a verifier: "reported complete".
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    # Verified complete: only a verifier's acceptance sets it.
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# The agency is working on these: due dates and staleness apply to them.
WORKING_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED)
# Not closed. An item awaiting verification is open but in the verifier's hands, so it is neither
# overdue nor stale while it waits.
OPEN_STATUSES = (*WORKING_STATUSES, Status.AWAITING_VERIFICATION)
CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)


def stale_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Open items with no progress update since this moment are stale."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.REMINDER_STALE_DAYS)


# The one definition of open, overdue and stale as SQL conditions: for filters, conditional
# counts (``Count(filter=...)``) and annotations alike.


def open_condition() -> Q:
    return Q(status__in=OPEN_STATUSES)


def overdue_condition(
    today: datetime.date | None = None, *, status: str = "status", due_date: str = "due_date"
) -> Q:
    """Being worked on and past its due date (not while awaiting verification). The column
    names may be those of an annotation: the report's past moments (``reports.as_of``) ask it
    of an item's values at that moment."""
    return Q(**{f"{status}__in": WORKING_STATUSES}) & Q(
        **{f"{due_date}__lt": today or timezone.localdate()}
    )


def stale_condition(
    now: datetime.datetime | None = None,
    *,
    status: str = "status",
    last_progress_at: str = "last_progress_at",
) -> Q:
    """Being worked on with no progress update for ``REMINDER_STALE_DAYS`` (column names as
    ``overdue_condition``)."""
    return Q(**{f"{status}__in": WORKING_STATUSES}) & Q(
        **{f"{last_progress_at}__lt": stale_cutoff(now)}
    )


# Assessment ratings that contradict an agency reporting work in progress.
CONCERNING_RATINGS = ("off_track", "insufficient_information")


def discrepancy_condition() -> Q:
    """The coordinators' latest assessment disagrees with the agency's self-report.

    Either the latest assessment is off track or insufficient information while the agency
    reports in progress or awaiting verification; or it is older than the latest self-report by
    more than ``ASSESSMENT_OUT_OF_DATE_DAYS`` ("assessment out of date"). Reads the latest
    assessment kept on the item row (written by the assessment service), so it costs no join.
    """
    out_of_date = datetime.timedelta(days=settings.ASSESSMENT_OUT_OF_DATE_DAYS)
    disagrees = Q(latest_assessment_rating__in=CONCERNING_RATINGS) & Q(
        status__in=(Status.IN_PROGRESS, Status.AWAITING_VERIFICATION)
    )
    stale_assessment = Q(latest_assessment_at__isnull=False) & Q(
        last_progress_at__gt=models.F("latest_assessment_at") + out_of_date
    )
    return disagrees | stale_assessment


def progress_average(
    path: str = "", *, percent: str = "percent_complete", status: str = "status"
) -> models.Avg:
    """Progress of a group of items: the mean percent complete of those not cancelled.

    ``path`` reaches the items from the queried model (``"action_items__"`` from a
    recommendation). Every progress figure (pages, API, reports) is this one expression;
    ``percent`` and ``status`` name other columns holding them (an item's values at a past
    moment, in ``reports.as_of``).
    """
    return models.Avg(f"{path}{percent}", filter=~Q(**{f"{path}{status}": Status.CANCELLED}))


class DaysBetween(models.Func):
    """Whole days from ``start`` to ``end`` (two date columns), as an integer, on both backends."""

    output_field = models.IntegerField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        # PostgreSQL: date - date is already an integer number of days.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    """Overdue and stale are derived in SQL, never stored and never computed in a Python loop."""

    def open(self) -> "ActionItemQuerySet":
        return self.filter(open_condition())

    def being_worked_on(self) -> "ActionItemQuerySet":
        """In the agency's hands: reminders apply (not while awaiting verification)."""
        return self.filter(status__in=WORKING_STATUSES)

    def without_open_extension_request(self) -> "ActionItemQuerySet":
        """Overdue reminders pause while an extension request waits for its decision."""
        return self.exclude(extension_requests__status="pending")

    def overdue(self, today: datetime.date | None = None) -> "ActionItemQuerySet":
        return self.filter(overdue_condition(today))

    def stale(self, now: datetime.datetime | None = None) -> "ActionItemQuerySet":
        return self.filter(stale_condition(now))

    def with_flags(
        self, *, today: datetime.date | None = None, now: datetime.datetime | None = None
    ) -> "ActionItemQuerySet":
        """Annotate ``overdue`` and ``stale`` booleans, computed by the database."""
        return self.annotate(
            overdue=models.ExpressionWrapper(
                overdue_condition(today), output_field=models.BooleanField()
            ),
            stale=models.ExpressionWrapper(
                stale_condition(now), output_field=models.BooleanField()
            ),
            discrepancy=models.ExpressionWrapper(
                discrepancy_condition(), output_field=models.BooleanField()
            ),
        )

    def discrepant(self) -> "ActionItemQuerySet":
        return self.filter(discrepancy_condition())


class ActionItem(BilingualMixin, models.Model):
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("recommendation"),
    )
    sequence = models.PositiveSmallIntegerField(_("number"))
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    owner_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner agency"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_action_items",
        verbose_name=_("assignee"),
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent_complete = models.PositiveSmallIntegerField(_("percent complete"), default=0)
    due_date = models.DateField(_("due date"))
    # The first due date, kept so that slippage can be reported.
    original_due_date = models.DateField(_("original due date"))
    # Incremented by every write; the API's ETag and the forms' hidden field are built from it.
    version = models.PositiveIntegerField(_("version"), default=1)
    # When the latest progress update was recorded: "stale" is computed from it in SQL.
    last_progress_at = models.DateTimeField(_("last progress"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # Where the item's history starts when an update was recorded before its creation (back-dated
    # history, as the demo writes): the earliest of its updates, written by ProgressUpdate.save in
    # the same transaction as that update; null when the history starts at created_at. Stored so the report's history
    # needs no per-item look-up of the first update (60,000 index probes at the brief's scale).
    # Read it as ``Coalesce("born_at", "created_at")``.
    born_at = models.DateTimeField(_("history starts"), null=True, blank=True, editable=False)
    # The latest coordinators' assessment, kept here by the assessment service (the history is
    # in Assessment) so that the discrepancy is a plain condition on the row.
    latest_assessment_rating = models.CharField(
        _("latest assessment"), max_length=32, blank=True, default=""
    )
    latest_assessment_at = models.DateTimeField(_("latest assessment on"), null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
                name="action_item_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in Status]), name="action_item_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | Q(percent_complete=100),
                name="action_item_completed_is_100_percent",
            ),
            models.UniqueConstraint(
                fields=["recommendation", "sequence"], name="action_item_sequence_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_agency", "status"], name="item_owner_status_idx"),
            models.Index(fields=["assignee", "status"], name="item_assignee_status_idx"),
            models.Index(fields=["status", "due_date"], name="item_status_due_idx"),
            models.Index(fields=["due_date"], name="item_due_idx"),
            models.Index(fields=["status", "last_progress_at"], name="item_status_progress_idx"),
            # The report's stale list (oldest first) and the next moment an open item turns
            # stale (the report cache's key) read these in order: 26 ms -> 0.5 ms at 100,000.
            models.Index(
                fields=["last_progress_at", "id"],
                condition=Q(status__in=WORKING_STATUSES),
                name="item_open_progress_idx",
            ),
            # The report's most-slipped list reads the slipped items in its order (slippage
            # first), the first 50 from here instead of sorting every slipped item: the
            # condition is the list's filter (``slipped_condition``), word for word.
            models.Index(
                models.OrderBy(DaysBetween("due_date", "original_due_date"), descending=True),
                "due_date",
                "id",
                condition=Q(due_date__gt=models.F("original_due_date")),
                name="item_most_slipped_idx",
            ),
            # My work reads its page of open items segment by segment in due-date order from
            # here (``selectors.my_work_page``) instead of sorting all 60,000 open items.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="item_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"{self.recommendation.code}.{self.sequence}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Prefer the SQL annotation from ``with_flags()``; this covers a freshly loaded row."""
        annotated = getattr(self, "overdue", None)
        if annotated is not None:
            return bool(annotated)
        # overdue_condition, said in Python: work in the agency's hands (not awaiting a verifier).
        return self.status in WORKING_STATUSES and self.due_date < timezone.localdate()

    @property
    def is_stale(self) -> bool:
        annotated = getattr(self, "stale", None)
        if annotated is not None:
            return bool(annotated)
        # stale_condition, said in Python.
        return self.status in WORKING_STATUSES and self.last_progress_at < stale_cutoff()

    @property
    def is_discrepant(self) -> bool:
        annotated = getattr(self, "discrepancy", None)
        if annotated is not None:
            return bool(annotated)
        return ActionItem.objects.filter(pk=self.pk).filter(discrepancy_condition()).exists()

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


# ``status_before`` of an item's creation entry, the first entry of its timeline: there was no
# status before the item existed (the column is NOT NULL, so "empty" rather than NULL).
CREATION_STATUS_BEFORE = ""


def redate_condition() -> Q:
    """The updates that moved a due date (both dates known, and different), as a SQL condition:
    the report's re-date counts and the partial index ``update_redate_idx`` say it alike. The
    creation entry has no date before, so it is never one."""
    return (
        Q(due_date_before__isnull=False)
        & Q(due_date_after__isnull=False)
        & ~Q(due_date_before=models.F("due_date_after"))
    )


def creation_condition() -> Q:
    """The creation entries of the timeline, as a SQL condition: every reader that counts
    changes (status changes, completions, re-dates, notes) leaves them out with ``~``."""
    return Q(status_before=CREATION_STATUS_BEFORE)


class ProgressUpdate(models.Model):
    """One immutable entry on an item's timeline. Every change to an item writes one, and its
    creation writes the first (``is_creation``: the initial status, percent, due date and
    assignee as "after", nothing "before")."""

    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="updates", verbose_name=_("action item")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    status_before = models.CharField(_("status before"), max_length=24, choices=Status.choices)
    status_after = models.CharField(_("status after"), max_length=24, choices=Status.choices)
    percent_before = models.PositiveSmallIntegerField(_("percent before"))
    percent_after = models.PositiveSmallIntegerField(_("percent after"))
    due_date_before = models.DateField(_("due date before"), null=True, blank=True)
    due_date_after = models.DateField(_("due date after"), null=True, blank=True)
    assignee_before = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee before"),
    )
    assignee_after = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee after"),
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    # The one-time token of the web form that recorded this update: unique, so a form sent
    # twice (Back, then "Record update" again) cannot record it twice, even at the same moment.
    submission_token = models.UUIDField(
        _("form submission"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_before__lte=100) & Q(percent_after__lte=100),
                name="progress_update_percent_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["action_item", "-created_at"], name="update_item_created_idx"),
            models.Index(fields=["created_at"], name="update_created_idx"),
            models.Index(fields=["status_after", "created_at"], name="update_status_created_idx"),
            # The report's history reads only the updates that enter or leave a closed status
            # (a few percent of the timeline), not all 1,000,000 (PostgreSQL: index-only).
            models.Index(
                fields=["action_item", "created_at"],
                include=["status_before", "status_after"],
                condition=Q(status_before__in=CLOSED_STATUSES)
                | Q(status_after__in=CLOSED_STATUSES),
                name="update_closed_transition_idx",
            ),
            # The re-dating updates (a few percent of the timeline), for "re-dated more than
            # once" (reports.accountability).
            models.Index(
                fields=["action_item"], condition=redate_condition(), name="update_redate_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_item_id} {self.status_before}→{self.status_after}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Progress updates are immutable; record a new one instead.")
        # One transaction with the update (no savepoint inside the services' own transaction).
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            self._move_item_born_at()

    def _move_item_born_at(self) -> None:
        """An update dated before its item's history began (back-dated history) moves the item's
        ``born_at`` back to it; any other update writes nothing (checked on the loaded item)."""
        item = self.action_item
        if self.created_at >= (item.born_at or item.created_at):
            return
        # Conditional, so that a stale in-memory item never moves born_at forward.
        ActionItem.objects.filter(pk=item.pk).filter(
            Q(born_at__gt=self.created_at) | Q(born_at__isnull=True, created_at__gt=self.created_at)
        ).update(born_at=self.created_at)

    @classmethod
    def creation_of(
        cls, item: ActionItem, *, author: User | None, at: datetime.datetime
    ) -> "ProgressUpdate":
        """The (unsaved) creation entry of ``item``: what it started with, nothing before."""
        return cls(
            action_item=item,
            author=author,
            created_at=at,
            status_before=CREATION_STATUS_BEFORE,
            status_after=item.status,
            percent_before=item.percent_complete,
            percent_after=item.percent_complete,
            due_date_before=None,
            due_date_after=item.due_date,
            assignee_before=None,
            assignee_after_id=item.assignee_id,
        )

    @property
    def is_creation(self) -> bool:
        """The item's first entry: it was created (by ``author``, at ``created_at``)."""
        return self.status_before == CREATION_STATUS_BEFORE

    # A creation sets its values rather than changing them: none of these hold for it.
    @property
    def status_changed(self) -> bool:
        return not self.is_creation and self.status_before != self.status_after

    @property
    def due_date_changed(self) -> bool:
        return (
            not self.is_creation
            and self.due_date_after is not None
            and self.due_date_before != self.due_date_after
        )

    @property
    def assignee_changed(self) -> bool:
        return not self.is_creation and self.assignee_before_id != self.assignee_after_id


class PublicationChange(models.Model):
    """One immutable entry on a recommendation's publication timeline: who published or
    unpublished it, when, and why."""

    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="publication_changes",
        verbose_name=_("recommendation"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    published = models.BooleanField(_("published"))
    reason = models.TextField(_("reason"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("publication change")
        verbose_name_plural = _("publication changes")
        indexes = [
            models.Index(fields=["recommendation", "-created_at"], name="publication_rec_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id} {'+' if self.published else '-'}"


class DataVersion(models.Model):
    """One row whose number goes up in the same transaction as every write that can move a
    report's figures (``services.data_version_bump``). Cached reports are keyed on it, so a write
    makes every cached report unreachable at the moment it commits: a cached figure is never out
    of date, and nothing has to find and delete the entries."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return str(self.value)


# The accountability records (submissions, evidence, extension requests, assessments) live in
# their own module; imported here so that Django registers them with this app.
from .accountability.models import Assessment as Assessment  # noqa: E402
from .accountability.models import AssessmentRating as AssessmentRating  # noqa: E402
from .accountability.models import Evidence as Evidence  # noqa: E402
from .accountability.models import ExtensionRequest as ExtensionRequest  # noqa: E402
from .accountability.models import ExtensionStatus as ExtensionStatus  # noqa: E402
from .accountability.models import Submission as Submission  # noqa: E402
from .accountability.models import SubmissionDecision as SubmissionDecision  # noqa: E402
