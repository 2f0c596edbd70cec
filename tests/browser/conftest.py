"""Playwright against pytest-django's live_server, in Debian's Chromium.

Playwright cannot download its own browser here, so it launches the system one.
Without Chromium (or axe-core) these tests skip with a reason, except under CI=1,
where they fail: CI must never pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import pytest

from ..conftest import ROOT

CHROMIUM = os.environ.get("NEWSARCHIVE_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str) -> None:
    """Skip locally; fail loudly in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (make test installs it)")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium, as root")
    # Playwright's sync API keeps an asyncio loop registered on this thread, which
    # makes Django refuse ORM calls from the tests; they are still plain sync code.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


# Every browser test leaves a full-page screenshot of where it ended here (git-ignored),
# for a person to look at after `make test`.
SCREENSHOTS = ROOT / "screenshots"


def _screenshot_name(request, page) -> str:
    width = (page.viewport_size or {}).get("width", 0)
    name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    return f"{request.module.__name__.rsplit('.', 1)[-1]}--{name}--{width}px.png"


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    if page.url.startswith("http"):
        SCREENSHOTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a page mid-download has nothing to show
            page.screenshot(path=SCREENSHOTS / _screenshot_name(request, page), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def stories(transactional_db) -> list:
    """A small archive with people, an organization, topics and two sources."""
    from ..factories import make_story

    return [
        make_story(
            "Blair wins third term",
            "Tony Blair won a third term for Labour.",
            published="2005-05-06",
            entities=[("Tony Blair", "person"), ("Labour", "organization")],
            topics=["Politics"],
        ),
        make_story(
            "Blair reshuffles cabinet",
            "Tony Blair reshuffled his cabinet.",
            published="2005-05-09",
            entities=[("Tony Blair", "person"), ("Gordon Brown", "person")],
            topics=["Politics"],
        ),
        make_story(
            "Budget day",
            "Gordon Brown presents the budget for Labour.",
            published="2004-03-17",
            entities=[("Gordon Brown", "person"), ("Labour", "organization")],
            topics=["Economy"],
        ),
        make_story("Cocoa review", "Showers in Bahia.", published="1987-05-06", source="Reuters"),
    ]


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# axe files heading order, landmarks and a single h1 under best practice, not WCAG.
AXE_TAGS = [*WCAG_TAGS, "best-practice"]


def axe_violations(page) -> list[dict]:
    if not AXE.is_file():
        unavailable(f"axe-core not found at {AXE}: run npm ci (make test does)")
    # Evaluated through the DevTools protocol, so the site's Content-Security-Policy
    # (no inline scripts) stays on for the page under test.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
