"""The reader's archive in Chromium, at 1280 and 390 pixels: axe finds nothing on any new
page state, nothing scrolls sideways, and the calendar, the phone's filter disclosure and
the compare chart work from the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..factories import make_story
from .test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]


@pytest.fixture
def archive(stories):
    """The shared small archive, with enough Blair stories to page and a long story."""
    for n in range(22):
        make_story(
            f"Blair story {n}",
            f"Tony Blair spoke again, time {n}, with Gordon Brown in London.",
            published=f"2005-05-{10 + n % 5:02d}",
            entities=[("Tony Blair", "person"), ("Gordon Brown", "person"), ("London", "place")],
            topics=["Politics"],
        )
    make_story(
        "Blair undated note",
        "Tony Blair, on an unknown day. <script>alert('body')</script>",
        published=None,
        entities=[("Tony Blair", "person")],
    )
    return stories


PAGE_STATES = {
    "archive coverage": "/archive/",
    "year with months": "/archive/2005/",
    "month calendar": "/archive/2005/05/",
    "day with neighbours": "/archive/2005/05/10/",
    "empty day": "/archive/2005/05/20/",
    "on this day, empty": "/archive/on/01-01/",
    "on this day": "/archive/on/05-10/",
    "search over time, selected facet, page 2": "/search/?q=Blair&person=tony-blair&page=2",
    "search within a year": "/search/?q=Blair&year=2005",
    "more people, filtered": "/search/facets/person/?q=Blair&find=gord",
    "compare counts": "/compare/?q=Blair&q=Brown",
    "compare shares": "/compare/?q=Blair&q=Brown&q=budget&measure=share",
    "compare, one query": "/compare/?q=Blair",
    "compare, too many": "/compare/?q=a&q=b&q=c&q=d&q=e&q=f",
    "entity with kinds": "/people/tony-blair/",
    "story with linked names": "story",
}


def _url(archive, name: str) -> str:
    url = PAGE_STATES[name]
    return archive[0].get_absolute_url() if url == "story" else url


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGE_STATES)
def test_new_page_states_pass_axe_and_fit_the_screen(page, archive, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(_url(archive, name))
    assert response.status == (400 if name == "compare, too many" else 200)
    if name.startswith("search") and width == 390:
        # The filters fold behind their button on a phone; axe checks them open too.
        page.get_by_role("button", name=re.compile("Filters")).click()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_calendar_by_keyboard(page, archive):
    page.goto("/archive/2005/05/")
    calendar = page.get_by_role("table", name=re.compile("May 2005: stories by day"))
    expect(calendar).to_be_visible()
    day = calendar.get_by_role("link", name="9 May 2005: 1 story")
    for _ in range(80):
        page.keyboard.press("Tab")
        if day.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the calendar's 9 May")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/archive/2005/05/09/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("9 May 2005")
    current = page.locator('.calendar [aria-current="date"]')
    expect(current).to_have_accessible_name("9 May 2005: 1 story")
    page.get_by_role("link", name=re.compile("Next day with stories")).click()
    expect(page).to_have_url(re.compile(r"/archive/2005/05/10/$"))


def test_the_phone_filter_disclosure_by_keyboard(page, archive):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/search/?q=Blair")
    toggle = page.get_by_role("button", name=re.compile("Filters"))
    filters = page.get_by_role("complementary", name="Narrow the results")
    results = page.get_by_role("region", name="Results")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(filters).to_be_hidden()
    assert toggle.bounding_box()["y"] < results.bounding_box()["y"], "above the results"
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(filters).to_be_visible()
    page.keyboard.press("Tab")
    expect(filters.get_by_role("link").first).to_be_focused()
    toggle.focus()
    page.keyboard.press("Space")
    expect(filters).to_be_hidden()
    # On a wide screen there is no button: the filters are beside the results.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(filters).to_be_visible()


def test_a_selected_facet_is_removed_in_one_click(page, archive):
    page.goto("/search/?q=Blair")
    filters = page.get_by_role("complementary", name="Narrow the results")
    filters.get_by_role("link", name="Gordon Brown").click()
    selected = filters.get_by_role("link", name=re.compile("Gordon Brown.*selected"))
    expect(selected).to_have_attribute("aria-current", "true")
    selected.click()
    expect(page).to_have_url(re.compile(r"/search/\?q=Blair$"))


def test_the_more_page_filters_as_you_type(page, archive):
    page.goto("/search/facets/person/?q=Blair")
    values = page.locator("#facet-values li:visible")
    expect(values).to_have_count(2)
    page.get_by_label("Filter these people").fill("gor")
    expect(values).to_have_count(1)
    expect(values).to_contain_text("Gordon Brown")
    expect(page.locator("#facet-status")).to_have_text("1 of 2 shown")


def test_the_compare_chart_by_keyboard(page, archive):
    page.goto("/compare/")
    page.get_by_label("Search 1", exact=True).fill("Blair")
    page.get_by_label("Search 2", exact=True).fill("Brown")
    page.get_by_label("Search 2", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"/compare/\?q=Blair&q=Brown$"))
    point = page.get_by_role("link", name=re.compile(r"^Blair, 2005: \d+ stories"))
    for _ in range(60):
        page.keyboard.press("Tab")
        if point.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the chart's 2005 point for Blair")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Blair&year=2005$"))
    expect(page.locator(".result-count")).to_contain_text("stories mentioning ‘Blair’")


def test_numbered_pages(page, archive):
    page.goto("/search/?q=Blair")
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("1–20 of")
    pages.get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("21–")
    page.get_by_role("link", name="← Previous").click()
    expect(page).to_have_url(re.compile(r"page=1"))


def test_story_names_link_to_their_pages_and_the_body_stays_text(page, archive):
    page.goto(archive[0].get_absolute_url())
    link = page.locator(".story-body a.entity-link", has_text="Tony Blair")
    expect(link).to_have_count(1)
    link.click()
    expect(page).to_have_url(re.compile(r"/people/tony-blair/$"))
    expect(page.locator(".kind-label")).to_have_text("Person")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_story_uses_the_width_and_prints_the_story(page, archive, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(archive[0].get_absolute_url())
    body = page.locator(".story-body")
    side = page.locator(".story-side")
    family = body.evaluate("el => getComputedStyle(el).fontFamily")
    assert "serif" in family and "sans-serif" not in family
    if width == 1280:
        # Entities and provenance beside the text, not under it.
        assert side.bounding_box()["x"] > body.bounding_box()["x"] + body.bounding_box()["width"]
    page.emulate_media(media="print")
    expect(side).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".story-body")).to_be_visible()
    expect(page.locator(".cite .citation").first).to_be_visible()
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", re.compile("favicon.svg"))


def test_the_admin_story_page_fits_1280_pixels(page, archive, admin_user):
    from articles.models import Mention

    story = archive[0]
    for n in range(30):
        filler = make_story(f"Filler {n}", f"Filler body {n}.", entities=[(f"Name {n}", "person")])
        entity = filler.entities.get()
        Mention.objects.create(article=story, entity=entity, count=1)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/articles/article/{story.pk}/change/")
    expect(page.locator("#site-name")).to_have_text("newsarchive curation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change story")
    expect(page.locator(".inline-related tbody tr.has_original")).to_have_count(10)
    expect(page.get_by_role("navigation", name="Pages of mentions")).to_contain_text("page 1 of 4")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
