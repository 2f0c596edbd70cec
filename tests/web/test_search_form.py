"""The search form (articles/filters.py) as the search page draws it."""

import pytest
from django import forms
from django.test import RequestFactory

from articles.filters import ArticleFilter, KeptSelect
from articles.models import Article

SELECTS = ("has_date", "sort", "copies")


def form(query: str):
    request = RequestFactory().get(f"/search/?{query}")
    filterset = ArticleFilter(request.GET or None, queryset=Article.objects.none())
    filterset.is_valid()
    return filterset.form


def drawn_by_django(bound) -> str:
    """The field as a plain Select draws it, through Django's form templates."""
    widget = forms.Select(attrs=bound.field.widget.attrs, choices=bound.field.widget.choices)
    widget.is_required = bound.field.widget.is_required
    return bound.as_widget(widget=widget)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=tax",
        "q=tax&has_date=true&sort=oldest&copies=all",
        "q=tax&has_date=false&sort=newest&copies=collapsed",
        "has_date=maybe&sort=bogus&copies=%3Cscript%3E",  # not choices: errors, not kept
        "q=tax&sort=relevance",
    ],
)
def test_the_kept_selects_draw_what_django_draws(query):
    for _ in range(2):  # drawn, then kept
        drawn = form(query)
        for name in SELECTS:
            assert isinstance(drawn.fields[name].widget, KeptSelect)
            assert str(drawn[name]) == drawn_by_django(drawn[name]), (query, name)


@pytest.mark.django_db
def test_only_the_choices_are_kept():
    KeptSelect._kept.clear()
    for n in range(50):
        str(form(f"sort=nonsense-{n}")["sort"])
    str(form("sort=oldest")["sort"])
    assert {key[1] for key in KeptSelect._kept} <= {None, "oldest"}
