"""The search page's facet lists, drawn by one Jinja2 partial (the facet_panel tag): the
links each value makes, the chosen values, "More…", and escaping."""

from types import SimpleNamespace as Value

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
