"""Charts drawn on the server as SVG: no script, no CDN, and they print like the rest of the page.

Each chart is an image with a title and a text description (``role="img"``, ``<title>``,
``<desc>``) summarising what it shows; the page puts the table of its numbers beside it, so
nobody needs to see the chart to read the figures. Colours have at least 3:1 contrast with the
white background (WCAG 1.4.11), and a text legend names them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import dateformat, formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from recommendations.models import Status

from .selectors import AgencyRow, MonthPoint, ThemeRow

STATUS_COLOURS = {
    Status.NOT_STARTED: "#6b6b6b",
    Status.IN_PROGRESS: "#1f4e8c",
    Status.BLOCKED: "#a4161a",
    Status.AWAITING_VERIFICATION: "#5b3f8c",
    Status.COMPLETED: "#2e6b2e",
    Status.CANCELLED: "#7a5c00",
}
INK = "#1b1b1b"
GRID = "#c8c8c8"
BAR = "#1f4e8c"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
WIDTH = 720


@dataclass(frozen=True)
class Chart:
    """An SVG image and the id of the table that holds its numbers."""

    key: str
    title: str
    description: str
    svg: SafeString


def _number(value: float, decimals: int = 0) -> str:
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def _svg(key: str, title: str, description: str, height: int, body: Sequence[str]) -> SafeString:
    title_id, desc_id = f"{key}-chart-title", f"{key}-chart-desc"
    return mark_safe(  # noqa: S308 - every text below went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" class="chart" {FONT}>'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>'
        f"{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", weight: str = "") -> str:
    bold = ' font-weight="700"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}"{bold}>'
        f"{escape(text)}</text>"
    )


def _legend(y: float, entries: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    """Swatches with their names, wrapped over as many lines as needed."""
    body, x = [], 0.0
    for colour, label in entries:
        width = 22 + 7.5 * len(label)
        if x and x + width > WIDTH:
            x, y = 0.0, y + 20
        body.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>'
            + _text(x + 16, y, label)
        )
        x += width + 12
    return body, y + 20


def status_by_agency_chart(rows: Sequence[AgencyRow]) -> Chart:
    """One bar per owner agency, its items stacked by status."""
    title = _("Action items by status, for each owner agency")
    if not rows:
        description = _("No action items match the filters.")
        return Chart("by_agency", title, description, _svg("by_agency", title, description, 30, []))
    largest = max(rows, key=lambda row: row.tally.total)
    most_completed = max(rows, key=lambda row: row.tally.status_share(Status.COMPLETED) or 0)
    description = _(
        "Stacked horizontal bars for %(count)d agencies: each bar is an agency's items, split "
        "by status. %(largest)s owns the most items (%(total)s). %(best)s has the largest share "
        "completed (%(share)s %%). The table below gives every number."
    ) % {
        "count": len(rows),
        "largest": largest.local_acronym,
        "total": _number(largest.tally.total),
        "best": most_completed.local_acronym,
        "share": _number(most_completed.tally.status_share(Status.COMPLETED) or 0, 1),
    }
    legend, top = _legend(14, [(STATUS_COLOURS[s], str(s.label)) for s in Status])
    label_width, bar_height, gap = 90, 16, 6
    plot_width = WIDTH - label_width - 70
    scale = plot_width / max(row.tally.total for row in rows)
    body = list(legend)
    y = top
    for row in rows:
        body.append(_text(label_width - 8, y + bar_height - 4, row.local_acronym, "end"))
        x = float(label_width)
        for status in Status:
            count = row.tally.count(status)
            if not count:
                continue
            width = count * scale
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{bar_height}" '
                f'fill="{STATUS_COLOURS[status]}" stroke="#fff" stroke-width="0.5"/>'
            )
            x += width
        body.append(_text(x + 6, y + bar_height - 4, _number(row.tally.total)))
        y += bar_height + gap
    svg = _svg("by_agency", title, description, int(y + 4), body)
    return Chart("by_agency", title, description, svg)


def progress_by_theme_chart(rows: Sequence[ThemeRow]) -> Chart:
    """One bar per theme: the mean percent complete of its items (cancelled ones aside)."""
    title = _("Mean progress of the action items, by theme")
    measured = [row for row in rows if row.tally.progress is not None]
    if not measured:
        description = _("No action items match the filters.")
        return Chart("by_theme", title, description, _svg("by_theme", title, description, 30, []))
    best = max(measured, key=lambda row: row.tally.progress or 0)
    worst = min(measured, key=lambda row: row.tally.progress or 0)
    description = _(
        "Horizontal bars for %(count)d themes, from 0 to 100 %%. Most advanced: %(best)s "
        "(%(best_progress)s %%). Least advanced: %(worst)s (%(worst_progress)s %%). The table "
        "below gives every number."
    ) % {
        "count": len(measured),
        "best": best.title,
        "best_progress": _number(best.tally.progress or 0, 1),
        "worst": worst.title,
        "worst_progress": _number(worst.tally.progress or 0, 1),
    }
    bar_height, gap, top = 14, 24, 8
    plot_width = WIDTH - 70
    body: list[str] = []
    axis_end = top + len(measured) * (bar_height + gap)
    for tick in (0, 25, 50, 75, 100):
        x = tick / 100 * plot_width
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_end}" stroke="{GRID}"/>')
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        body.append(_text(x, axis_end + 14, _("%(percent)s%%") % {"percent": tick}, anchor))
    y = float(top)
    for row in measured:
        progress = row.tally.progress or 0
        body.append(_text(0, y + 12, row.title))
        body.append(
            f'<rect x="0" y="{y + 16:.1f}" width="{progress / 100 * plot_width:.1f}" '
            f'height="{bar_height}" fill="{BAR}"/>'
        )
        body.append(
            _text(
                progress / 100 * plot_width + 6,
                y + 28,
                _("%(percent)s%%") % {"percent": _number(progress, 1)},
                weight="b",
            )
        )
        y += bar_height + gap
    svg = _svg("by_theme", title, description, int(axis_end + 22), body)
    return Chart("by_theme", title, description, svg)


def _month_label(point: MonthPoint) -> str:
    return dateformat.format(point.month, "M Y")


def _monthly_columns(
    key: str, title: str, description: str, values: Sequence[int], points: Sequence[MonthPoint]
) -> SafeString:
    """One column per month, each with its value; month names thinned out to stay legible."""
    plot_height, top, left = 170, 18, 10
    plot_width = WIDTH - 2 * left
    step = plot_width / len(points)
    scale = plot_height / max(1, max(values))
    label_every = max(1, -(-len(points) // 12))
    base = top + plot_height
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - left}" y2="{base}" stroke="{INK}"/>']
    for index, (point, value) in enumerate(zip(points, values, strict=True)):
        x = left + index * step
        height = value * scale
        body.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{base - height:.1f}" '
            f'width="{step * 0.7:.1f}" height="{height:.1f}" fill="{BAR}"/>'
        )
        if index % label_every == 0 or index == len(points) - 1:
            body.append(_text(x + step / 2, base - height - 4, _number(value), "middle"))
            body.append(_text(x + step / 2, base + 16, _month_label(point), "middle"))
    return _svg(key, title, description, base + 26, body)


def completion_over_time_charts(points: Sequence[MonthPoint]) -> list[Chart]:
    """Two column charts: items completed each month, and items open at each month's end."""
    completed_title = _("Items completed each month")
    open_title = _("Items open at the end of each month")
    if not points:
        description = _("No months to show.")
        return [
            Chart(key, title, description, _svg(key, title, description, 30, []))
            for key, title in (("completed", completed_title), ("open", open_title))
        ]
    busiest = max(points, key=lambda point: point.completed)
    months = {
        "count": len(points),
        "start": _month_label(points[0]),
        "end": _month_label(points[-1]),
    }
    completed_description = _(
        "Columns for %(count)d months, from %(start)s to %(end)s: %(completed)s items completed "
        "in all, most in %(busiest)s (%(busiest_count)s). The table below gives every number."
    ) % {
        **months,
        "completed": _number(sum(point.completed for point in points)),
        "busiest": _month_label(busiest),
        "busiest_count": _number(busiest.completed),
    }
    open_description = _(
        "Columns for %(count)d months, from %(start)s to %(end)s: %(open_start)s items open at "
        "the end of %(start)s, %(open_end)s at the end of %(end)s (the current month counts up "
        "to now). The table below gives every number."
    ) % {
        **months,
        "open_start": _number(points[0].open_at_end),
        "open_end": _number(points[-1].open_at_end),
    }
    return [
        Chart(
            "completed",
            completed_title,
            completed_description,
            _monthly_columns(
                "completed",
                completed_title,
                completed_description,
                [point.completed for point in points],
                points,
            ),
        ),
        Chart(
            "open",
            open_title,
            open_description,
            _monthly_columns(
                "open",
                open_title,
                open_description,
                [point.open_at_end for point in points],
                points,
            ),
        ),
    ]


def report_charts(
    *, by_agency: Sequence[AgencyRow], by_theme: Sequence[ThemeRow], history: Sequence[MonthPoint]
) -> dict[str, list[Chart]]:
    """The page's charts, keyed by the table that holds their numbers."""
    return {
        "by_agency": [status_by_agency_chart(by_agency)],
        "by_theme": [progress_by_theme_chart(by_theme)],
        "history": completion_over_time_charts(history),
    }
