"""The search page's facet lists, drawn by one Jinja2 partial (the facet_panel tag): the
links each value makes, the chosen values, "More…", and escaping."""

from types import SimpleNamespace as Value

import pytest
from django.template import engines
from django.test import RequestFactory


def panel(query: str, facets, selected) -> str:
    request = RequestFactory().get(f"/search/?{query}")
    page = engines["django"].from_string(
        "{% load archive %}{% facet_panel facets selected '/search/' %}"
    )
    return page.render({"facets": facets, "selected": selected, "request": request})


PEOPLE = [
    Value(slug="tony-blair", name="Tony Blair", count=12345),
    Value(slug="gordon-brown", name="Gordon Brown", count=7),
]


def test_a_value_adds_itself_to_the_search_and_back_to_page_one():
    html = panel("q=budget&page=3", [("person", "People", PEOPLE, False)], {"person": set()})
    assert '<a href="/search/?q=budget&amp;person=tony-blair">Tony Blair</a>' in html
    assert '<span class="count">12,345</span>' in html
    assert "page=3" not in html and 'class="selected"' not in html


def test_a_chosen_value_is_marked_and_removes_itself():
    html = panel(
        "q=budget&person=tony-blair&person=gordon-brown",
        [("person", "People", PEOPLE, False)],
        {"person": {"tony-blair"}},
    )
    chosen = (
        '<li class="selected"><a href="/search/?q=budget&amp;person=gordon-brown" '
        'aria-current="true"><span aria-hidden="true">✓ </span>Tony Blair'
    )
    assert chosen in html
    assert html.count('class="selected"') == 1


def test_more_links_to_the_facets_own_page_with_the_search_and_no_page_number():
    html = panel(
        "q=budget&topic=tax&page=2",
        [("person", "People", PEOPLE, True), ("topic", "Topics", [], False)],
        {},
    )
    assert '<a href="/search/facets/person/?q=budget&amp;topic=tax">More people…</a>' in html
    assert html.count("More ") == 1 and "<h3>Topics</h3>" in html


def test_names_and_query_values_are_escaped():
    hostile = [Value(slug="x", name='<script>alert("n")</script>', count=1)]
    html = panel('q="><img src=x>', [("person", "People", hostile, False)], {})
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "q=%22%3E%3Cimg+src%3Dx%3E" in html


def _as_urlencode_writes(query: str, *, add=None, remove=None, replace=None) -> str:
    """What the links said when each one copied and re-encoded the whole QueryDict."""
    from urllib.parse import urlencode

    params = {key: list(values) for key, values in RequestFactory().get(f"/?{query}").GET.lists()}
    for key, value in (replace or {}).items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = [str(value)]
    for key in ("page", "find"):
        params.pop(key, None)
    params = {key: [v for v in values if v != ""] for key, values in params.items()}
    params = {key: values for key, values in params.items() if values}
    if remove:
        key, value = remove
        if value is None:
            params.pop(key, None)
        elif key in params:
            params[key] = [v for v in params[key] if v != str(value)]
    if add:
        key, value = add
        if str(value) not in params.get(key, []):
            params[key] = [*params.get(key, []), str(value)]
    encoded = urlencode([(key, value) for key, values in params.items() for value in values])
    return f"?{encoded}" if encoded else "?"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=budget",
        "q=budget&page=3&find=bl",
        "q=a+b%26c&person=tony-blair&person=gordon-brown&from=&to=",
        "from=&q=x&from=2005-01-01&place=s%C3%A3o-paulo",
        "person=&q=tax&person=&year=2005",
        "q=%22%3E%3Cimg%3E&topic=tax&topic=tax",
    ],
)
@pytest.mark.parametrize(
    "change",
    [
        {},
        {"add": ("person", "tony-blair")},
        {"add": ("person", "né")},
        {"add": ("year", 1987)},
        {"add": ("from", "2001-01-01")},
        {"remove": ("person", "tony-blair")},
        {"remove": ("person", None)},
        {"remove": ("page", None)},
        {"remove": ("person", None), "add": ("person", "x y")},
        {"remove": ("topic", "tax"), "add": ("topic", "tax")},
        {"replace": {"year": 2005, "sort": None}},
        {"replace": {"person": "", "from": "2005-02-01", "page": 4}},
        {"replace": {"q": "new words", "find": "x"}},
    ],
)
def test_links_say_what_urlencode_of_the_query_dict_said(query, change):
    from articles.templatetags.archive import _query

    request = RequestFactory().get(f"/search/?{query}")
    assert _query(request, **change) == _as_urlencode_writes(query, **change)
    assert _query(request, **change) == _query(request, **change)  # the cache changes nothing
