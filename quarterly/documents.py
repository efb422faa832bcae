"""The quarterly report as documents: one outline built from the report's content, written out as
an accessible HTML page and as a Word document (python-docx), in one language at a time.

Charts: the HTML page carries the report page's own SVG charts (``reports.charts``). Word cannot
show SVG reliably, so the same numbers are drawn again as PNG with matplotlib (wheels on PyPI for
every platform, no system library), with the SVG's text description as the picture's
alternative text; each chart is followed by the table of its numbers, so nobody needs the image.
No PDF: the PDF renderers that keep headings and tables accessible (WeasyPrint) need Pango from
the operating system, which the two-command install cannot provide; a reader who needs a PDF
saves the Word document or prints the HTML page (it prints cleanly).
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from recommendations.models import Status
from reports.charts import STATUS_COLOURS, Chart, progress_by_theme_chart, status_by_agency_chart
from reports.selectors import AgencyRow, StatusTally, ThemeRow

from .selectors import Headline, Listing, QuarterlyContent, days_overdue

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as PlotFigure


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(frozen=True)
class Figure:
    chart: Chart
    png: bytes


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    figure: Figure | None = None
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Outline:
    language: str
    title: str
    subtitle: str
    meta: list[str]
    sections: list[Section]


def _number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _signed(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    text = _number(abs(value), decimals)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else "0"  # noqa: RUF001 - a real minus sign


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def _headline_label(key: str) -> str:
    return {
        "total": _("Action items"),
        "completed": _("Completed"),
        "open": _("Open"),
        "overdue": _("Overdue"),
        "blocked": _("Blocked"),
        "progress": _("Mean progress (%)"),
    }[key]


def _headline_table(headlines: list[Headline], content: QuarterlyContent) -> Table:
    rows = []
    for line in headlines:
        decimals = 1 if line.key == "progress" else 0
        rows.append(
            [
                _headline_label(line.key),
                _number(line.now, decimals),
                _number(line.previous, decimals),
                _signed(line.change, decimals),
            ]
        )
    return Table(
        caption=_(
            "Headline figures at the end of %(quarter)s, and their change since the end of %(previous)s"
        )
        % {"quarter": content.quarter.label, "previous": content.quarter.previous().label},
        headers=[
            _("Figure"),
            _("End of %(quarter)s") % {"quarter": content.quarter.label},
            _("End of %(quarter)s") % {"quarter": content.quarter.previous().label},
            _("Change"),
        ],
        rows=rows,
    )


def _tally_cells(tally: StatusTally) -> list[str]:
    return [
        _number(tally.total),
        _number(tally.count(Status.COMPLETED)),
        _number(tally.open),
        _number(tally.overdue),
        _number(tally.count(Status.BLOCKED)),
        _number(tally.progress, 1),
    ]


def _tally_headers(first: str) -> list[str]:
    return [
        first,
        _("Items"),
        _("Completed"),
        _("Open"),
        _("Overdue"),
        _("Blocked"),
        _("Mean progress (%)"),
    ]


def _agency_table(rows: list[AgencyRow]) -> Table:
    return Table(
        caption=_("Action items by owner agency at the end of the quarter"),
        headers=_tally_headers(_("Agency")),
        rows=[[f"{row.name} ({row.acronym})", *_tally_cells(row.tally)] for row in rows],
    )


def _theme_table(rows: list[ThemeRow]) -> Table:
    return Table(
        caption=_("Action items by theme at the end of the quarter"),
        headers=_tally_headers(_("Theme")),
        rows=[[row.title, *_tally_cells(row.tally)] for row in rows],
    )


def _truncation(listing: Listing) -> str:
    if not listing.is_truncated:
        return ""
    return _("The first %(shown)s of %(total)s are listed.") % {
        "shown": _number(len(listing.rows)),
        "total": _number(listing.total),
    }


def _png(figure: "PlotFigure", axes: "Axes") -> bytes:
    """The chart without its top and right frame, as PNG."""
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _png_agencies(rows: list[AgencyRow]) -> bytes:
    from matplotlib.figure import Figure as PlotFigure

    height = max(1.5, 0.35 * len(rows) + 1.2)
    figure = PlotFigure(figsize=(7.5, height), dpi=110)
    axes = figure.add_subplot()
    labels = [row.acronym for row in rows][::-1]
    left = [0] * len(rows)
    for status in Status:
        counts = [row.tally.count(status) for row in rows][::-1]
        axes.barh(
            labels,
            counts,
            left=left,
            color=STATUS_COLOURS.get(status, "#444"),
            label=str(status.label),
        )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_xlabel(_("Action items"))
    axes.legend(loc="lower right", fontsize="small", frameon=False)
    return _png(figure, axes)


def _png_themes(rows: list[ThemeRow]) -> bytes:
    from matplotlib.figure import Figure as PlotFigure

    measured = [row for row in rows if row.tally.progress is not None]
    height = max(1.5, 0.45 * len(measured) + 1.2)
    figure = PlotFigure(figsize=(7.5, height), dpi=110)
    axes = figure.add_subplot()
    labels = [row.title[:48] for row in measured][::-1]
    axes.barh(labels, [row.tally.progress or 0 for row in measured][::-1], color="#1f4e8c")
    axes.set_xlim(0, 100)
    axes.set_xlabel(_("Mean progress (%)"))
    return _png(figure, axes)


def outline_build(content: QuarterlyContent, language: str) -> Outline:
    """Everything the report says, in ``language``: the one source of both documents."""
    with translation.override(language):
        quarter = content.quarter
        scope = (
            _("%(agency)s (%(acronym)s)")
            % {"agency": content.agency.name, "acronym": content.agency.acronym}
            if content.agency
            else _("All agencies")
        )
        last_day = quarter.last_day
        sections = [
            Section(
                "headlines",
                _("Headline figures"),
                paragraphs=[
                    _(
                        "Figures as they stood at the end of %(day)s, rebuilt from the recorded history; an item counts as completed once its completion is confirmed."
                    )
                    % {"day": _date(last_day)}
                ],
                tables=[_headline_table(content.headlines, content)],
            ),
            Section(
                "by_agency",
                _("Progress by agency"),
                figure=Figure(
                    status_by_agency_chart(content.figures.by_agency),
                    _png_agencies(content.figures.by_agency),
                ),
                tables=[_agency_table(content.figures.by_agency)],
            ),
            Section(
                "by_theme",
                _("Progress by theme"),
                figure=Figure(
                    progress_by_theme_chart(content.figures.by_theme),
                    _png_themes(content.figures.by_theme),
                ),
                tables=[_theme_table(content.figures.by_theme)],
            ),
            _listing_section(
                "completed",
                _("Completed this quarter"),
                content.completed,
                caption=_("Action items completed during the quarter (%(count)s)"),
                headers=[_("Item"), _("Title"), _("Owner agency"), _("Completed on")],
                cells=lambda item: [
                    item.reference,
                    item.title,
                    item.owner_agency.acronym,
                    _date(item.completed_on.date() if item.completed_on else None),
                ],
            ),
            _listing_section(
                "overdue",
                _("Overdue and blocked"),
                content.overdue_or_blocked,
                caption=_("Action items overdue or blocked at the end of the quarter (%(count)s)"),
                headers=[*_item_headers(), _("Days overdue")],
                cells=lambda item: [*_item_cells(item), _number(days_overdue(item, last_day))],
            ),
            _listing_section(
                "redated",
                _("Re-dated this quarter"),
                content.redated,
                caption=_(
                    "Due dates changed during the quarter, with the reasons given (%(count)s)"
                ),
                headers=[_("Item"), _("Title"), _("From"), _("To"), _("Reason"), _("Date")],
                cells=lambda update: [
                    update.action_item.reference,
                    update.action_item.title,
                    _date(update.due_date_before),
                    _date(update.due_date_after),
                    update.note or "—",
                    _date(update.created_at.date()),
                ],
            ),
            _listing_section(
                "due_next",
                _("Due next quarter"),
                content.due_next,
                caption=_("Open action items due in %(quarter)s (%(count)s)"),
                caption_values={"quarter": quarter.next().label},
                headers=_item_headers(),
                cells=_item_cells,
            ),
        ]
        return Outline(
            language=language,
            title=_("Quarterly progress report, %(quarter)s") % {"quarter": quarter.label},
            subtitle=scope,
            meta=[
                _("Law Enforcement Roundtable on Drugs: progress on the recommendations."),
                _("Figures at the end of %(day)s.") % {"day": _date(last_day)},
                _("Produced on %(day)s.") % {"day": _date(content.generated_at.date())},
            ],
            sections=sections,
        )


def _listing_section(
    key: str,
    heading: str,
    listing: Listing,
    *,
    caption: str,
    headers: list[str],
    cells: Callable[[Any], list[str]],
    caption_values: dict[str, str] | None = None,
) -> Section:
    """A section listing rows of ``listing``: its table (the caption counts every row, ``cells``
    writes one), and a sentence saying so when only the first rows are listed."""
    truncation = _truncation(listing)
    return Section(
        key,
        heading,
        paragraphs=[truncation] if truncation else [],
        tables=[
            Table(
                caption=caption % {**(caption_values or {}), "count": _number(listing.total)},
                headers=headers,
                rows=[cells(row) for row in listing.rows],
            )
        ],
    )


def _item_headers() -> list[str]:
    return [_("Item"), _("Title"), _("Owner agency"), _("Status"), _("Due date")]


def _item_cells(item: Any) -> list[str]:
    """An item as it stood at the quarter's end: reference, title, owner, status, due date."""
    return [
        item.reference,
        item.title,
        item.owner_agency.acronym,
        _status_label(item.status_at),
        _date(item.due_at),
    ]


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


def outline_html(outline: Outline) -> bytes:
    with translation.override(outline.language):
        return render_to_string("quarterly/report.html", {"outline": outline}).encode("utf-8")


def outline_docx(outline: Outline) -> bytes:
    """A Word document with real headings, captioned tables whose first row repeats as a header,
    and charts with alternative text."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches

    document = Document()
    document.core_properties.title = f"{outline.title} · {outline.subtitle}"
    document.core_properties.language = f"{outline.language}-CA"
    # The language of the text, so that screen readers and spelling checks use the right one.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), f"{outline.language}-CA")
        run_properties.append(language)
    document.add_heading(outline.title, level=0)
    document.add_paragraph(outline.subtitle, style="Subtitle")
    for line in outline.meta:
        document.add_paragraph(line)
    for section in outline.sections:
        document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        if section.figure is not None:
            document.add_picture(io.BytesIO(section.figure.png), width=Inches(6.5))
            properties = document.inline_shapes[-1]._inline.docPr
            properties.set("title", section.figure.chart.title)
            properties.set("descr", section.figure.chart.description)
        for table in section.tables:
            document.add_paragraph(table.caption, style="Caption")
            if not table.rows:
                document.add_paragraph(_("None."))
                continue
            grid = document.add_table(rows=1, cols=len(table.headers))
            grid.style = "Table Grid"
            header = grid.rows[0]
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            header._tr.get_or_add_trPr().append(repeat)
            for cell, text in zip(header.cells, table.headers, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            for values in table.rows:
                cells = grid.add_row().cells
                for cell, text in zip(cells, values, strict=True):
                    cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
