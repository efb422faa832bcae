"""Form widgets shared by the filter forms of the pages.

``QuickSelect`` writes a drop-down's options in Python instead of rendering one template per
option: the report's filter form lists every recommendation (about 400 at the brief's scale),
and Django's per-option templates cost about 25 ms of the report page's 240 (profile,
2026-12-02). The HTML is the one ``forms.Select`` writes (tests/test_quick_select.py compares
them), so labels, ids, ``aria-*`` attributes and the selected option are unchanged.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """The attributes as Django's ``attrs.html`` writes them: in order, ``True`` as a bare name,
    ``False`` left out."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


class QuickSelect(forms.Select):
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = set(self.format_value(value))
        lines: list[str] = [format_html('<select name="{}"{}>', name, _attributes(final_attrs))]
        for group, options in self._groups(self.choices):
            if group is not None:
                lines.append(format_html('  <optgroup label="{}">', group))
            for option_value, label in options:
                text = "" if option_value is None else str(option_value)
                is_selected = text in selected
                if is_selected and not self.allow_multiple_selected:
                    selected = set()  # only the first match is selected, as forms.Select does
                lines.append(
                    f'  <option value="{conditional_escape(text)}"'
                    f"{' selected' if is_selected else ''}>{conditional_escape(label)}</option>"
                )
            if group is not None:
                lines.append("  </optgroup>")
        lines.append("</select>")
        return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped

    @staticmethod
    def _groups(choices: Iterable[Any]) -> Iterable[tuple[Any, list[tuple[Any, Any]]]]:
        """(group label or None, its options), as ``ChoiceWidget.optgroups`` reads choices."""
        for option_value, label in choices:
            if isinstance(label, list | tuple):
                yield option_value, list(label)
            else:
                yield None, [(option_value, label)]
