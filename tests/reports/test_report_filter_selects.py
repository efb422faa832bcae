"""The report's filter drop-downs are the project's one quick select (``recommendations.forms.
SelectWidget``, also My work's): the HTML forms.Select writes, with their options read from the
exact cache."""

import re

import pytest
from django import forms

from recommendations.forms import SelectWidget
from reports.forms import ReportFilterForm
from tests.factories import ActionItemFactory

CHOICES = [
    ("", "All"),
    ("x", 'X <b>"&'),
    (7, "Seven"),
    ("Group <1>", [("1", "one"), ("2", "two"), ("2", "two again")]),
]


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def _form_class(widget: type[forms.Select], *, required: bool = False) -> type[forms.Form]:
    class Form(forms.Form):
        choice = forms.ChoiceField(
            choices=CHOICES, required=required, widget=widget, help_text="Pick one"
        )

    return Form


@pytest.mark.parametrize("data", [None, {}, {"choice": "2"}, {"choice": "7"}, {"choice": "nope"}])
@pytest.mark.parametrize("required", [False, True])
def test_the_select_widget_renders_what_select_renders(
    data: dict[str, str] | None, required: bool
) -> None:
    plain = _form_class(forms.Select, required=required)(data)
    quick = _form_class(SelectWidget, required=required)(data)
    plain.is_valid()
    quick.is_valid()

    assert _normalised(str(quick["choice"])) == _normalised(str(plain["choice"]))
    assert "&lt;b&gt;&quot;&amp;" in str(quick["choice"])


def test_only_the_first_matching_option_is_selected() -> None:
    html = str(_form_class(SelectWidget)({"choice": "2"})["choice"])

    assert html.count(" selected") == 1
    assert '<option value="2" selected>two</option>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"priority": "high"}, {"agency": "none"}])
def test_the_report_filters_render_as_with_django_selects(query: dict[str, str]) -> None:
    item = ActionItemFactory.create()
    query = {**query, "recommendation": item.recommendation.code}
    form = ReportFilterForm(query)
    form.is_valid()
    selects = [
        name for name, field in form.fields.items() if isinstance(field.widget, SelectWidget)
    ]
    assert set(selects) == {"agency", "source", "theme", "recommendation", "priority", "changed"}

    quick = {name: str(form[name]) for name in selects}
    assert f'value="{item.recommendation.code}" selected' in quick["recommendation"]
    for name in selects:
        field = form.fields[name]
        field.widget = forms.Select(choices=field.widget.choices)
        assert _normalised(quick[name]) == _normalised(str(form[name])), name
