"""Import a source document's themes, recommendations and action items from a workbook.

``source_import_plan`` reads and checks every row and writes nothing: it returns the steps
(create, update, unchanged) and the problems, per sheet, row and column. ``source_import_apply``
carries out a plan without problems in one transaction, through the services
(``recommendations.sources``, ``recommendations.services``), so the import obeys the same rules
and leaves the same timeline as the web forms. Re-importing the same workbook plans only
"unchanged" steps and writes nothing.

The same two functions load the 2021 roundtable from the repository's YAML file
(``imports.roundtable.source_load``): the file is turned into the same rows a workbook gives.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, User
from recommendations import policies, services
from recommendations import sources as source_services
from recommendations.models import (
    ActionItem,
    Priority,
    Recommendation,
    Source,
    Theme,
    ThemeSection,
)

from . import values
from .lookups import agencies_by_acronym
from .reading import Book, Cell, rows_as_dicts
from .values import CellError, Column

Rows = list[tuple[int, dict[str, Cell]]]

SOURCE_COLUMNS = [
    Column("key", "Key", "Clé", True, "Short identifier, e.g. roundtable-2022.", "Identifiant court, p. ex. roundtable-2022."),
    Column("title_en", "Title (English)", "Titre (anglais)", True),
    Column("title_fr", "Title (French)", "Titre (français)", True),
    Column("publisher_en", "Publisher (English)", "Éditeur (anglais)", True),
    Column("publisher_fr", "Publisher (French)", "Éditeur (français)", True),
    Column("published_on", "Published on", "Date de publication", False, "YYYY-MM-DD.", "AAAA-MM-JJ."),
    Column("url", "Link", "Lien", False),
    Column(
        "text", "Full text", "Texte intégral", False,
        "The text of the document; quoted passages must appear in it word for word. Leave empty to keep the text already saved.",
        "Le texte du document; les passages cités doivent s’y trouver mot pour mot. Laisser vide pour garder le texte déjà enregistré.",
    ),
]  # fmt: skip
THEME_COLUMNS = [
    Column("source", "Source key", "Clé de la source", False, "Empty when the workbook has one source.", "Vide si le classeur n’a qu’une source."),
    Column("key", "Key", "Clé", True, "Short identifier of the theme.", "Identifiant court du thème."),
    Column("section", "Section", "Section", True, "Key theme, Gap and opportunity or Topic for future discussion.", "Thème clé, Lacune et possibilité ou Sujet de discussion future."),
    Column("title_en", "Title (English)", "Titre (anglais)", True),
    Column("title_fr", "Title (French)", "Titre (français)", True),
]  # fmt: skip
RECOMMENDATION_COLUMNS = [
    Column("code", "Reference code", "Code de référence", True, "Unique, e.g. RT22-01.", "Unique, p. ex. RT22-01."),
    Column("source", "Source key", "Clé de la source", False, "Empty when the workbook has one source.", "Vide si le classeur n’a qu’une source."),
    Column("theme", "Theme key", "Clé du thème", True),
    Column("title_en", "Title (English)", "Titre (anglais)", True),
    Column("title_fr", "Title (French)", "Titre (français)", True),
    Column("description_en", "Description (English)", "Description (anglais)"),
    Column("description_fr", "Description (French)", "Description (français)"),
    Column("source_passage", "Source passage", "Passage de la source", True, "Quoted word for word from the source's text.", "Cité mot pour mot du texte de la source."),
    Column("priority", "Priority", "Priorité", False, "Critical, High, Medium (default) or Low.", "Critique, Élevée, Moyenne (par défaut) ou Faible."),
    Column("lead", "Lead agency", "Organisme responsable", True, "Acronym, English or French.", "Acronyme, anglais ou français."),
    Column("supporting", "Supporting agencies", "Organismes de soutien", False, "Acronyms separated by commas.", "Acronymes séparés par des virgules."),
    Column("target_date", "Target date", "Date cible", False, "YYYY-MM-DD.", "AAAA-MM-JJ."),
]  # fmt: skip
ITEM_COLUMNS = [
    Column("recommendation", "Recommendation code", "Code de la recommandation", True),
    Column("number", "Number", "Numéro", False, "1, 2, 3… within the recommendation; empty: the row's order.", "1, 2, 3… dans la recommandation; vide : l’ordre des lignes."),
    Column("title_en", "Title (English)", "Titre (anglais)", True),
    Column("title_fr", "Title (French)", "Titre (français)", True),
    Column("description_en", "Description (English)", "Description (anglais)"),
    Column("description_fr", "Description (French)", "Description (français)"),
    Column("owner", "Owner agency", "Organisme propriétaire", True, "Acronym, English or French.", "Acronyme, anglais ou français."),
    Column("due_date", "Due date", "Échéance", True, "YYYY-MM-DD.", "AAAA-MM-JJ."),
]  # fmt: skip


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    name_en: str
    name_fr: str
    columns: list[Column]

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


SHEETS = [
    SheetSpec("sources", "Sources", "Sources", SOURCE_COLUMNS),
    SheetSpec("themes", "Themes", "Thèmes", THEME_COLUMNS),
    SheetSpec("recommendations", "Recommendations", "Recommandations", RECOMMENDATION_COLUMNS),
    SheetSpec("action_items", "Action items", "Mesures", ITEM_COLUMNS),
]
NOTES_SHEETS = ("Notes", "Lists", "Listes")

KIND_LABELS = {
    "source": gettext_lazy("Sources"),
    "theme": gettext_lazy("Themes"),
    "recommendation": gettext_lazy("Recommendations"),
    "action_item": gettext_lazy("Action items"),
}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str
    reference: str = ""

    def __str__(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(_("row %(row)d") % {"row": self.row})
        if self.reference:
            where.append(self.reference)
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}"


@dataclass
class Step:
    kind: str  # source, theme, recommendation, action_item
    sheet: str
    row: int
    reference: str
    action: str  # create, update, unchanged
    changes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    target: Any = None


@dataclass
class SourceImportPlan:
    steps: list[Step] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, Counter[str]]:
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in KIND_LABELS}
        for step in self.steps:
            counts[step.kind][step.action] += 1
        return counts

    @property
    def changes_anything(self) -> bool:
        return any(step.action != "unchanged" for step in self.steps)

    def summary_rows(self) -> list[tuple[str, int, int, int]]:
        """(label, created, updated, unchanged) per kind, for the pages and the command."""
        return [
            (str(KIND_LABELS[kind]), c["create"], c["update"], c["unchanged"])
            for kind, c in self.counts().items()
            if sum(c.values())
        ]


def _spec_for_csv(book: Book) -> SheetSpec | None:
    """The sheet a one-sheet CSV file is: the one whose headers it matches best."""
    sheet = book.sheets[0]
    if not sheet.rows:
        return None
    header = {str(cell.value or "").strip().casefold() for cell in sheet.rows[0][1]}

    def score(spec: SheetSpec) -> int:
        return sum(
            1 for column in spec.columns if {alias.casefold() for alias in column.aliases} & header
        )

    best = max(SHEETS, key=score)
    return best if score(best) else None


def book_rows(book: Book, plan: SourceImportPlan) -> dict[str, tuple[str, Rows]]:
    """The data rows of each kind of sheet (kind → (sheet name, rows)); sheet-level problems
    (hidden sheets, unknown columns) are added to ``plan``."""
    found: dict[str, tuple[str, Rows]] = {}
    is_csv = book.filename.lower().endswith((".csv", ".txt"))
    for sheet in book.sheets:
        if is_csv:
            spec = _spec_for_csv(book)
        else:
            spec = next(
                (
                    s
                    for s in SHEETS
                    if sheet.name.strip().casefold() in {s.name_en.casefold(), s.name_fr.casefold()}
                ),
                None,
            )
        if sheet.hidden:
            plan.problems.append(
                Problem(
                    sheet.name,
                    None,
                    "",
                    _(
                        "This sheet is hidden. Hidden sheets are not imported: show it or "
                        "delete it, then upload the workbook again."
                    ),
                )
            )
            continue
        if spec is None:
            if sheet.name.strip() not in NOTES_SHEETS and sheet.rows:
                plan.warnings.append(
                    _("The sheet “%(sheet)s” is not one of the template's; it was not read.")
                    % {"sheet": sheet.name}
                )
            continue
        rows, unknown = rows_as_dicts(sheet, {c.key: c.aliases for c in spec.columns})
        for label in unknown:
            plan.warnings.append(
                _("Sheet “%(sheet)s”: the column “%(column)s” is not one of the template's.")
                % {"sheet": sheet.name, "column": label}
            )
        found[spec.kind] = (sheet.name, rows)
    return found


def _normalise_space(text: str) -> str:
    return " ".join(text.split())


class _RowChecker:
    """Collects the problems of one row, per column, while reading its cells."""

    def __init__(self, plan: SourceImportPlan, sheet: str, row: int, spec: SheetSpec) -> None:
        self.plan, self.sheet, self.row, self.spec = plan, sheet, row, spec
        self.failed = False
        self.reference = ""

    def problem(self, key: str, message: str) -> None:
        label = self.spec.column(key).header if key else ""
        self.plan.problems.append(Problem(self.sheet, self.row, label, message, self.reference))
        self.failed = True

    def read(self, cells: dict[str, Cell], key: str, reader: Any = values.text) -> Any:
        column = self.spec.column(key)
        try:
            value = reader(cells[key])
        except CellError as error:
            self.problem(key, str(error))
            return None
        if column.required and value in (None, ""):
            self.problem(key, _("This column is required."))
        return value


def source_import_plan(
    rows: dict[str, tuple[str, Rows]],
    *,
    plan: SourceImportPlan | None = None,
    default_source: Source | None = None,
    redate: bool = True,
) -> SourceImportPlan:
    """Check every row and plan what to write; write nothing.

    ``default_source`` is the source the import is for (its recommendations and themes may
    leave the source column empty). ``redate=False`` uses the due date only for new items (the
    repository's roundtable data never moves a date that people changed since).
    """
    plan = plan or SourceImportPlan()
    agencies = agencies_by_acronym()
    section_names = values.choice_labels(ThemeSection)
    priority_names = values.choice_labels(Priority)

    def agency(check: _RowChecker, key: str, raw: str) -> Agency | None:
        found = agencies.get(raw.casefold())
        if found is None and raw:
            check.problem(key, _("No agency has the acronym “%(value)s”.") % {"value": raw})
        return found

    # Sources --------------------------------------------------------------------------------
    spec = SHEETS[0]
    sheet_name, source_rows = rows.get("sources", (spec.name_en, []))
    known_sources = {source.key: source for source in Source.objects.all()}
    source_texts: dict[str, str] = {key: s.text for key, s in known_sources.items()}
    workbook_sources: list[str] = []
    for number, cells in source_rows:
        check = _RowChecker(plan, sheet_name, number, spec)
        key = check.read(cells, "key")
        check.reference = key or ""
        row_values = {
            name: check.read(cells, name)
            for name in ("title_en", "title_fr", "publisher_en", "publisher_fr", "url", "text")
        }
        row_values["published_on"] = check.read(cells, "published_on", values.date)
        if key:
            try:
                validate_slug(key)
            except ValidationError:
                check.problem("key", _("A key has only letters, digits, hyphens and underscores."))
            if key in workbook_sources:
                check.problem("key", _("This key is already on another row."))
        if row_values["url"]:
            try:
                URLValidator()(row_values["url"])
            except ValidationError:
                check.problem("url", _("“%(value)s” is not a link.") % {"value": row_values["url"]})
        if check.failed:
            continue
        workbook_sources.append(key)
        existing = known_sources.get(key)
        if not row_values["text"]:
            row_values["text"] = None  # keep the saved text
        else:
            source_texts[key] = row_values["text"]
        step = Step("source", sheet_name, number, key, "create", values=row_values, target=existing)
        if existing is not None:
            step.changes = [
                spec.column(name).header
                for name, value in row_values.items()
                if value is not None and getattr(existing, name) != value
            ]
            step.action = "update" if step.changes else "unchanged"
        plan.steps.append(step)
    source_keys = set(known_sources) | set(workbook_sources)
    # The source a row means when it leaves the column empty.
    implicit = (
        default_source.key
        if default_source is not None
        else (workbook_sources[0] if len(workbook_sources) == 1 else None)
    )

    def source_key(check: _RowChecker, cells: dict[str, Cell]) -> str | None:
        key = check.read(cells, "source") or implicit
        if not key:
            check.problem("source", _("Name the source: the workbook has more than one, or none."))
            return None
        if key not in source_keys:
            check.problem("source", _("No source has the key “%(value)s”.") % {"value": key})
            return None
        return key

    # Themes ---------------------------------------------------------------------------------
    spec = SHEETS[1]
    sheet_name, theme_rows = rows.get("themes", (spec.name_en, []))
    known_themes = {
        (theme.source.key, theme.key): theme for theme in Theme.objects.select_related("source")
    }
    theme_keys = set(known_themes)
    positions: Counter[str] = Counter()
    for number, cells in theme_rows:
        check = _RowChecker(plan, sheet_name, number, spec)
        skey = source_key(check, cells)
        key = check.read(cells, "key")
        section = check.read(
            cells, "section", lambda c: values.choice(c, ThemeSection, section_names)
        )
        title_en, title_fr = check.read(cells, "title_en"), check.read(cells, "title_fr")
        if skey and key and (skey, key) in theme_keys - set(known_themes):
            check.problem("key", _("This key is already on another row."))
        if check.failed or not skey:
            continue
        positions[skey] += 1
        theme_keys.add((skey, key))
        row_values = {
            "section": section,
            "title_en": title_en,
            "title_fr": title_fr,
            "position": positions[skey],
        }
        existing_theme = known_themes.get((skey, key))
        step = Step(
            "theme", sheet_name, number, f"{skey}/{key}", "create",
            values={"source": skey, "key": key, **row_values}, target=existing_theme,
        )  # fmt: skip
        if existing_theme is not None:
            step.changes = [
                spec.column(name).header if name != "position" else str(_("position"))
                for name, value in row_values.items()
                if getattr(existing_theme, name) != value
            ]
            step.action = "update" if step.changes else "unchanged"
        plan.steps.append(step)

    # Recommendations ------------------------------------------------------------------------
    spec = SHEETS[2]
    sheet_name, recommendation_rows = rows.get("recommendations", (spec.name_en, []))
    known_recommendations = {
        r.code: r
        for r in Recommendation.objects.select_related(
            "source", "theme", "lead_agency"
        ).prefetch_related("supporting_agencies")
    }
    workbook_codes: set[str] = set()
    for number, cells in recommendation_rows:
        check = _RowChecker(plan, sheet_name, number, spec)
        code = check.read(cells, "code")
        check.reference = code or ""
        skey = source_key(check, cells)
        theme_key = check.read(cells, "theme")
        texts = {
            name: check.read(cells, name)
            for name in ("title_en", "title_fr", "description_en", "description_fr")
        }
        passage = check.read(cells, "source_passage")
        priority = check.read(
            cells, "priority", lambda c: values.choice(c, Priority, priority_names)
        )
        lead = agency(check, "lead", check.read(cells, "lead") or "")
        supporting_raw = check.read(cells, "supporting") or ""
        supporting = [agency(check, "supporting", raw) for raw in values.split_list(supporting_raw)]
        target_date = check.read(cells, "target_date", values.date)
        if code:
            limit = Recommendation._meta.get_field("code").max_length or 32
            if len(code) > limit:
                check.problem(
                    "code",
                    _("A reference code has at most %(limit)d characters.") % {"limit": limit},
                )
            if code in workbook_codes:
                check.problem("code", _("This reference code is already on another row."))
            try:  # the model's own pattern (one rule for every path)
                Recommendation._meta.get_field("code").run_validators(code)
            except ValidationError as error:
                check.problem("code", " ".join(error.messages))
            other = known_recommendations.get(code)
            if other is not None and skey and other.source.key != skey:
                check.problem(
                    "code",
                    _("The reference code %(code)s is already used in “%(source)s”.")
                    % {"code": code, "source": other.source.title},
                )
        if skey and theme_key and (skey, theme_key) not in theme_keys:
            check.problem(
                "theme",
                _("The source has no theme with the key “%(value)s”.") % {"value": theme_key},
            )
        if lead is not None and any(a is not None and a.pk == lead.pk for a in supporting):
            check.problem("supporting", _("The lead agency cannot also be a supporting agency."))
        if skey and passage:
            text = source_texts.get(skey, "")
            if not text:
                check.problem(
                    "source_passage",
                    _("The source has no text to find this passage in: add its full text first."),
                )
            elif _normalise_space(passage) not in _normalise_space(text):
                check.problem(
                    "source_passage",
                    _("This passage is not found word for word in the source's text."),
                )
        if check.failed:
            if code:
                workbook_codes.add(code)
            continue
        workbook_codes.add(code)
        row_values = {
            "source": skey,
            "theme": theme_key,
            **texts,
            "source_passage": passage,
            "priority": priority or Priority.MEDIUM,
            "lead": lead,
            "supporting": sorted({a.pk for a in supporting if a is not None}),
            "target_date": target_date,
        }
        existing_recommendation = known_recommendations.get(code)
        step = Step(
            "recommendation",
            sheet_name,
            number,
            code,
            "create",
            values=row_values,
            target=existing_recommendation,
        )
        if existing_recommendation is not None:
            rec = existing_recommendation
            current = {
                "source": rec.source.key,
                "theme": rec.theme.key,
                "title_en": rec.title_en,
                "title_fr": rec.title_fr,
                "description_en": rec.description_en,
                "description_fr": rec.description_fr,
                "source_passage": rec.source_passage,
                "priority": rec.priority,
                "lead": rec.lead_agency,
                "supporting": sorted(a.pk for a in rec.supporting_agencies.all()),
                "target_date": rec.target_date,
            }
            step.changes = [
                spec.column(name).header
                for name, value in row_values.items()
                if current[name] != value
            ]
            step.action = "update" if step.changes else "unchanged"
        plan.steps.append(step)

    # Action items ---------------------------------------------------------------------------
    spec = SHEETS[3]
    sheet_name, item_rows = rows.get("action_items", (spec.name_en, []))
    known_items = {
        (item.recommendation.code, item.sequence): item
        for item in ActionItem.objects.select_related("recommendation", "owner_agency").filter(
            recommendation__code__in=workbook_codes
            | {r[1]["recommendation"].value for r in item_rows if r[1]["recommendation"].value}
        )
    }
    next_number: Counter[str] = Counter()
    seen: set[tuple[str, int]] = set()
    all_codes = workbook_codes | set(known_recommendations)
    for number, cells in item_rows:
        check = _RowChecker(plan, sheet_name, number, spec)
        code = check.read(cells, "recommendation")
        sequence = check.read(cells, "number", values.whole_number)
        check.reference = f"{code}.{sequence or ''}".rstrip(".")
        texts = {
            name: check.read(cells, name)
            for name in ("title_en", "title_fr", "description_en", "description_fr")
        }
        owner = agency(check, "owner", check.read(cells, "owner") or "")
        try:
            due_date = values.date(cells["due_date"])
        except CellError as error:
            check.problem("due_date", str(error))
            due_date = None
        if code and code not in all_codes:
            check.problem(
                "recommendation",
                _("No recommendation has the code “%(value)s”, in this workbook or the tracker.")
                % {"value": code},
            )
        if not code:
            continue
        next_number[code] += 1
        if sequence is None:
            sequence = next_number[code]
        elif sequence < 1:
            check.problem("number", _("The number is a whole number from 1."))
        if (code, sequence) in seen:
            check.problem(
                "number",
                _("This recommendation already has an item with this number on another row."),
            )
        seen.add((code, sequence))
        existing_item = known_items.get((code, sequence))
        if due_date is not None and (
            existing_item is None or (redate and existing_item.due_date != due_date)
        ):
            problem = services.due_date_problem(due_date)  # the service's rule, asked here
            if problem:
                check.problem("due_date", problem)
        if existing_item is None and due_date is None and not check.failed:
            check.problem("due_date", _("A new action item needs a due date."))
        if check.failed:
            continue
        row_values = {**texts, "owner": owner, "due_date": due_date}
        step = Step(
            "action_item", sheet_name, number, f"{code}.{sequence}", "create",
            values={"recommendation": code, "sequence": sequence, **row_values}, target=existing_item,
        )  # fmt: skip
        if existing_item is not None:
            changes = [
                spec.column(name).header
                for name in ("title_en", "title_fr", "description_en", "description_fr")
                if getattr(existing_item, name) != row_values[name]
            ]
            if owner is not None and existing_item.owner_agency_id != owner.pk:
                changes.append(spec.column("owner").header)
            if redate and due_date is not None and existing_item.due_date != due_date:
                changes.append(spec.column("due_date").header)
            else:
                step.values["due_date"] = None
            step.changes = changes
            step.action = "update" if changes else "unchanged"
        plan.steps.append(step)
    return plan


def _step_error(step: Step, error: ValidationError) -> Problem:
    return Problem(step.sheet, step.row, "", "; ".join(error.messages))


class ImportFailed(Exception):
    """A write was refused while applying (someone changed the data since the preview); the
    whole import was rolled back. ``problems`` say where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def source_import_apply(plan: SourceImportPlan, *, actor: User | None) -> SourceImportPlan:
    """Write a plan without problems, all or nothing, through the services. ``actor=None`` is
    an operator's command. Raises PermissionDenied, or ImportFailed when a service refuses."""
    if actor is not None and not policies.can_edit_recommendation(actor):
        raise PermissionDenied(_("Only coordinators may import recommendations."))
    if not plan.ok:
        raise ValueError("A plan with problems cannot be applied.")
    note = _("Definition updated from a workbook import.")
    with transaction.atomic():
        sources: dict[str, Source] = {s.key: s for s in Source.objects.all()}
        themes = {(t.source.key, t.key): t for t in Theme.objects.select_related("source")}
        recommendations: dict[str, Recommendation] = {}
        for step in plan.steps:
            try:
                _apply_step(step, actor, sources, themes, recommendations, note)
            except ValidationError as error:
                raise ImportFailed([_step_error(step, error)]) from None
            except (services.ActionItemConflict, services.RecommendationConflict) as error:
                raise ImportFailed([Problem(step.sheet, step.row, "", str(error))]) from None
    return plan


def _apply_step(
    step: Step,
    actor: User | None,
    sources: dict[str, Source],
    themes: dict[tuple[str, str], Theme],
    recommendations: dict[str, Recommendation],
    note: str,
) -> None:
    v = step.values
    if step.kind == "source":
        if step.action != "unchanged":
            sources[step.reference], _written = source_services.source_save(
                actor=actor,
                key=step.reference,
                title_en=v["title_en"],
                title_fr=v["title_fr"],
                publisher_en=v["publisher_en"],
                publisher_fr=v["publisher_fr"],
                published_on=v["published_on"],
                url=v["url"] or "",
                text=v["text"],
            )
        return
    if step.kind == "theme":
        if step.action != "unchanged":
            themes[(v["source"], v["key"])], _written = source_services.theme_save(
                actor=actor,
                source=sources[v["source"]],
                key=v["key"],
                section=v["section"],
                title_en=v["title_en"],
                title_fr=v["title_fr"],
                position=v["position"],
            )
        return
    if step.kind == "recommendation":
        if step.action == "unchanged":
            recommendations[step.reference] = step.target
            return
        fields: dict[str, Any] = {
            "code": step.reference,
            "theme": themes[(v["source"], v["theme"])],
            "title_en": v["title_en"],
            "title_fr": v["title_fr"],
            "description_en": v["description_en"],
            "description_fr": v["description_fr"],
            "source_passage": v["source_passage"],
            "priority": v["priority"],
            "lead_agency": v["lead"],
            "supporting_agencies": list(Agency.objects.filter(pk__in=v["supporting"])),
            "target_date": v["target_date"],
        }
        if step.action == "create":
            recommendations[step.reference] = services.recommendation_create(actor=actor, **fields)
        else:
            recommendations[step.reference] = services.recommendation_update(
                recommendation=step.target,
                actor=actor,
                expected_updated_at=step.target.updated_at,
                **fields,
            )
        return
    # action items
    if step.action == "unchanged":
        return
    recommendation = recommendations.get(v["recommendation"]) or Recommendation.objects.get(
        code=v["recommendation"]
    )
    if step.action == "create":
        services.action_item_create(
            recommendation=recommendation,
            actor=actor,
            title_en=v["title_en"],
            title_fr=v["title_fr"],
            description_en=v["description_en"],
            description_fr=v["description_fr"],
            owner_agency_id=v["owner"].pk,
            due_date=v["due_date"],
            sequence=v["sequence"],
            confirm_past_due_date=_confirms_past_due_dates(actor),
        )
        return
    item: ActionItem = step.target
    definition_changed = (
        any(
            getattr(item, name) != v[name]
            for name in ("title_en", "title_fr", "description_en", "description_fr")
        )
        or item.owner_agency_id != v["owner"].pk
    )
    if definition_changed:
        change = services.action_item_update_definition(
            item=item,
            actor=actor,
            expected_version=item.version,
            title_en=v["title_en"],
            title_fr=v["title_fr"],
            owner_agency=v["owner"],
            description_en=v["description_en"],
            description_fr=v["description_fr"],
        )
        item = change.item
    if v["due_date"] is not None and v["due_date"] != item.due_date:
        services.action_item_change(
            item=item,
            actor=actor,
            expected_version=item.version,
            due_date=v["due_date"],
            note=note,
            confirm_past_due_date=_confirms_past_due_dates(actor),
        )


def _confirms_past_due_dates(actor: User | None) -> bool:
    """A source's workbook records a plan agreed at a meeting, often already dated in the past:
    the system loading it (``actor=None``) or the coordinator confirming its previewed import
    confirms those dates explicitly, as the rule asks (``policies.can_confirm_past_due_date``)."""
    return actor is None or policies.can_confirm_past_due_date(actor)


def plan_for_book(
    book: Book, *, default_source: Source | None = None, redate: bool = True
) -> SourceImportPlan:
    plan = SourceImportPlan()
    rows = book_rows(book, plan)
    if not rows and not plan.problems:
        plan.problems.append(
            Problem(
                book.filename,
                None,
                "",
                _(
                    "No sheet of the template was found (Sources, Themes, Recommendations, Action items)."
                ),
            )
        )
        return plan
    return source_import_plan(rows, plan=plan, default_source=default_source, redate=redate)


def cells_from_values(row: dict[str, Any]) -> dict[str, Cell]:
    """A row given as plain values (the repository's YAML data), as the cells a workbook gives."""
    return {key: Cell(value=value) for key, value in row.items()}
