"""The header search box suggests entities as a keyboard-usable combobox, and works without JS."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'"


def search_box(page):
    return page.locator("#site-search")


def test_arrow_keys_choose_a_suggestion_and_enter_opens_it(page, stories):
    page.goto("/")
    box = search_box(page)
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("bla")
    listbox = page.get_by_role("listbox", name="Suggested people, places and topics")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    expect(listbox.get_by_role("option")).to_have_text(["Tony Blair, person"])

    box.press("ArrowDown")
    option = listbox.get_by_role("option", name="Tony Blair")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    expect(box).to_be_focused()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/people/tony-blair/$"))


def test_arrows_wrap_and_escape_closes_without_clearing(page, stories):
    page.goto("/")
    box = search_box(page)
    box.press_sequentially("brown")
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    box.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(box).to_have_value("brown")


def test_enter_without_choosing_still_searches(page, stories):
    page.goto("/")
    box = search_box(page)
    box.press_sequentially("blair")
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=blair$"))


def test_clicking_a_suggestion_opens_it(page, stories):
    page.goto("/")
    search_box(page).press_sequentially("gord")
    page.get_by_role("option", name="Gordon Brown").click()
    expect(page).to_have_url(re.compile(r"/people/gordon-brown/$"))


def test_no_suggestions_for_one_letter_or_no_match(page, stories):
    page.goto("/")
    box = search_box(page)
    box.press_sequentially("b")
    page.wait_for_timeout(400)
    expect(page.get_by_role("listbox")).to_be_hidden()
    box.press_sequentially("zzz")
    page.wait_for_timeout(400)
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")


def test_open_suggestions_pass_axe(page, stories):
    page.goto("/")
    search_box(page).press_sequentially("la")
    expect(page.get_by_role("option").first).to_be_visible()
    search_box(page).press("ArrowDown")
    assert axe_violations(page) == []


def test_the_search_box_works_without_javascript(browser, live_server, stories):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    box = search_box(page)
    expect(box).not_to_have_attribute("role", "combobox")
    box.fill("Blair")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Blair$"))
    expect(page.locator(".story-card")).to_have_count(2)
    context.close()


def test_works_under_a_strict_content_security_policy(browser, live_server, stories):
    """No inline script or style: the page and the suggestions work with script-src 'self'."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security" in msg.text else None
    )

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": CSP}
        )

    page.route("**/*", with_csp)
    page.goto("/")
    search_box(page).press_sequentially("bla")
    expect(page.get_by_role("option", name="Tony Blair")).to_be_visible()
    page.goto("/search/?q=Blair&person=tony-blair")
    page.goto("/people/tony-blair/")
    assert refused == []
    context.close()
