"""Story clusters as a reader sees them: collapsed results with "also ran in N other
places", the every-copy switch, and the versions page with its side-by-side diff, at a
desktop and a phone width, with axe-core and full-page screenshots to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..services.test_clusters import OTHER, WIRE, body, wire
from .test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Git-ignored (.gitignore): the PNGs are for a person to open, not for the repository.
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def cluster(transactional_db) -> dict:
    """The AP wildfire story as four sites ran it, and another Utah story."""
    from ..factories import make_story

    original = wire(
        "Wildfire forces evacuations in Utah", WIRE, published="2024-07-01", source="AP"
    )
    wire("Utah wildfire grows", WIRE[:4], published="2024-07-01", source="KSL.com")
    updated = wire(
        "Utah wildfire grows to 12,000 acres; governor declares emergency",
        [*WIRE[:3], "Officials said more details would be released later.", *WIRE[3:]],
        published="2024-07-02",
        source="Deseret News",
    )
    wire(
        "Fire forces 900 homes to evacuate",
        [WIRE[0], WIRE[3], WIRE[1], WIRE[5], WIRE[2], WIRE[4]],
        published="2024-07-02",
        source="Fox 13",
    )
    make_story(
        "Utah water law takes effect",
        body(OTHER),
        published="2024-07-01",
        source="AP",
        entities=[("Utah", "place")],
    )
    original.refresh_from_db()
    updated.refresh_from_db()
    versions = f"/clusters/{original.cluster_id}/"
    return {
        "versions": versions,
        "compared": f"{versions}?a={original.pk}&b={updated.pk}",
        "search": "/search/?q=utah",
        "every copy": "/search/?q=utah&copies=all",
        "entity": "/places/utah/",
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["compared", "search", "every copy", "entity"])
def test_cluster_pages_pass_axe_fit_the_screen_and_are_captured(page, cluster, name, width):
    pixels = WIDTHS[width]
    page.set_viewport_size({"width": pixels, "height": 900})
    assert page.goto(cluster[name]).status == 200
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= pixels
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / f"clusters-{name.replace(' ', '-')}-{pixels}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def test_from_a_collapsed_result_to_two_versions_side_by_side(page, cluster):
    page.goto(cluster["search"])
    results = page.get_by_role("article")
    expect(results).to_have_count(2)  # the wildfire cluster once, and the water law
    page.get_by_role("link", name="Also ran in 3 other places").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One story, 4 copies")
    expect(page.get_by_role("table", name="Copies of this story").get_by_role("row")).to_have_count(
        5
    )
    deseret = page.get_by_role("row").filter(has_text="Deseret News")
    deseret.get_by_label("right").check()
    page.get_by_role("button", name="Compare the copies chosen").click()
    expect(page.locator(".diff-summary")).to_contain_text("1 added")
    added = page.locator("tr.diff-added")
    expect(added).to_contain_text("more details would be released later")
    # The switch on the search page lists every copy, and counts them.
    page.goto(cluster["search"])
    page.get_by_label("Copies of a story").select_option("all")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("article")).to_have_count(5)
