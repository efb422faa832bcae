"""My work's menus are rendered by one loop (``forms.SelectWidget``), not one template per option:
the HTML is Django's select, character for character."""

from typing import Any
from unittest import mock

import pytest
from django import forms
from django.utils.translation import gettext_lazy, override

from recommendations.forms import MyWorkFilterForm, SelectWidget
from recommendations.selectors import Scope
from tests.conftest import RoleMatrix
from tests.factories import RecommendationFactory, ThemeFactory

CHOICES: list[tuple[Any, Any]] = [
    ("", gettext_lazy("All themes")),
    ("1", "Border & ports"),
    ("2", 'Say "no" <now>'),
    (3, "Three"),
    ("3", "Three again (never selected: the first match is)"),
    (None, "None as a value"),
]


def djangos(widget: forms.Select, *args: Any) -> str:
    """What Django's templates render for ``widget``."""
    return str(forms.Select.render(widget, *args))


@pytest.mark.parametrize("value", ["", "1", "2", 3, "3", None, "missing", ["1", "2"]])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"id": "id_theme"},
        {
            "id": "id_theme",
            "aria-describedby": "id_theme_helptext id_theme_error",
            "aria-invalid": True,
            "required": True,
            "disabled": False,
            "data-note": 'a "quoted" <value>',
        },
    ],
)
def test_the_select_widget_renders_djangos_select(value: Any, attrs: dict[str, Any]) -> None:
    widget = SelectWidget(attrs={"class": "menu"}, choices=CHOICES)
    assert str(widget.render("theme", value, attrs)) == djangos(widget, "theme", value, attrs)


def test_option_groups_are_left_to_djangos_templates() -> None:
    widget = SelectWidget(choices=[("", "Any"), ("Group", [("a", "A"), ("b", "B")])])
    rendered = str(widget.render("letter", "b", {"id": "id_letter"}))
    assert rendered == djangos(widget, "letter", "b", {"id": "id_letter"})
    assert '<optgroup label="Group">' in rendered


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "data",
    [None, {}, {"theme": "1", "recommendation": "999999", "sort": "nonsense", "scope": "all"}],
    ids=["unbound", "empty", "invalid"],
)
def test_my_works_filter_menus_are_djangos_selects(
    roles: RoleMatrix, language: str, data: dict[str, str] | None
) -> None:
    ThemeFactory.create(title_en="Ports & <borders>")
    RecommendationFactory.create(title_en='Share "seizure" data')
    with override(language):
        form = MyWorkFilterForm(data, default_scope=Scope.MINE)
        form.is_valid()
        ours = {name: str(form[name]) for name in form.fields}
        with mock.patch.object(SelectWidget, "render", forms.Select.render):
            theirs = {name: str(form[name]) for name in form.fields}
    assert ours == theirs
    assert sum(isinstance(field.widget, SelectWidget) for field in form.fields.values()) == 6
