"""What a reader sees and does: search, read, narrow, page, and all of it by keyboard."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ..conftest import SEED
from ..factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD_TITLES = ".story-card .card-title"


def test_search_from_the_header_box(page, stories):
    page.goto("/")
    page.get_by_role("combobox", name="Search the archive").fill("Blair")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Blair$"))
    expect(page.locator(CARD_TITLES)).to_have_text(
        ["Blair reshuffles cabinet", "Blair wins third term"], ignore_case=True
    )
    expect(page.locator(".result-count")).to_contain_text("2 stories")


def test_opening_a_story_shows_the_disclaimer_above_the_body(page):
    call_command("ingest", str(SEED), stdout=StringIO())
    page.goto("/")
    page.get_by_role("link", name="US criticizes Russia over civilian deaths in Syria").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "US criticizes Russia over civilian deaths in Syria"
    )
    notice = page.get_by_role("complementary", name="Archive notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("This archived news story is available only for your personal")
    body = page.locator(".story-body")
    expect(body).to_contain_text("WASHINGTON (AP)")
    assert notice.bounding_box()["y"] + notice.bounding_box()["height"] <= body.bounding_box()["y"]


def test_applying_a_facet_and_removing_it_by_its_chip(page, stories):
    page.goto("/search/?q=Blair")
    facets = page.get_by_role("complementary", name="Narrow the results")
    facets.get_by_role("link", name="Gordon Brown").click()
    expect(page).to_have_url(re.compile(r"q=Blair&person=gordon-brown"))
    expect(page.locator(CARD_TITLES)).to_have_text(["Blair reshuffles cabinet"])
    chip = page.get_by_role("list", name="Active filters").get_by_role(
        "link", name=re.compile("Gordon Brown")
    )
    expect(chip).to_contain_text("about person Gordon Brown")
    chip.click()
    expect(page).to_have_url(re.compile(r"/search/\?q=Blair$"))
    expect(page.locator(CARD_TITLES)).to_have_count(2)
    expect(page.get_by_role("list", name="Active filters")).not_to_contain_text("Gordon Brown")


def test_paging_through_the_latest_stories(page, transactional_db):
    for n in range(25):
        make_story(f"Story number {n:02d}", f"Body {n}.", published=f"2001-01-{n + 1:02d}")
    page.goto("/")
    expect(page.locator(CARD_TITLES)).to_have_count(20)
    expect(page.locator(CARD_TITLES).first).to_have_text("Story number 24")
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("1–20 of 25 stories")
    expect(pages.get_by_role("link", name="Page 1")).to_have_attribute("aria-current", "page")
    pages.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(page.locator(CARD_TITLES)).to_have_text(
        [f"Story number {n:02d}" for n in range(4, -1, -1)]
    )
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Previous").click()
    expect(page.locator(CARD_TITLES)).to_have_count(20)


def test_search_pages_keep_the_query(page, transactional_db):
    for n in range(25):
        make_story(
            f"Harvest report {n:02d}",
            f"The harvest was good in place {n}.",
            published=f"2001-02-{n + 1:02d}",
        )
    make_story("Unrelated", "Nothing here.")
    page.goto("/search/?q=harvest")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"q=harvest&page=2|page=2&q=harvest"))
    expect(page.locator(CARD_TITLES)).to_have_count(5)


def focused(page) -> dict:
    """What has the keyboard focus, and how its focus is drawn."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const box = el.getBoundingClientRect();
          return {tag: el.tagName, id: el.id, text: el.textContent.trim(),
                  inFacets: !!el.closest('.facets'), href: el.getAttribute('href'),
                  outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                  left: box.left, top: box.top};
        }"""
    )


def tab_until(page, predicate, limit: int = 60) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        if predicate(state):
            return state
    raise AssertionError(f"not reached in {limit} presses of Tab; last focus: {state}")


def assert_visible_focus(state: dict) -> None:
    assert state["outlineStyle"] != "none" and state["outlineWidth"] >= 2, state


def test_keyboard_only(page, stories):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content"
    assert skip["left"] >= 0 and skip["top"] >= 0, "the skip link is on screen when focused"
    assert_visible_focus(skip)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.goto("/")
    box = tab_until(page, lambda s: s["id"] == "site-search", limit=10)
    assert_visible_focus(box)
    page.keyboard.type("Blair")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Blair$"))

    facet = tab_until(page, lambda s: s["inFacets"] and s["tag"] == "A")
    assert_visible_focus(facet)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=Blair&\w+="))
    expect(page.get_by_role("list", name="Active filters")).to_be_visible()
