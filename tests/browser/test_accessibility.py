"""axe-core finds no WCAG 2.0, 2.1 or 2.2 A/AA violations; small screens need no sideways scroll."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article

from ..conftest import SEED
from ..factories import make_story
from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "home": "/",
    "search with facets and chips": "/search/?q=Blair&person=tony-blair&topic=politics",
    "search with no results": "/search/?q=zebra+OR+Blaer&person=tony-blair&topic=politics",
    "story": "seed",
    "entity": "/people/tony-blair/",
    "source": "/sources/bbc/",
    "archive index": "/archive/",
    "archive year": "/archive/2005/",
    "all values of a facet": "/search/facets/person/?q=Blair",
    "not found": "/no/such/page/",
}


@pytest.fixture
def archive(stories) -> dict[str, str]:
    call_command("ingest", str(SEED), stdout=StringIO())
    seed = Article.objects.get(source_path__endswith=SEED.name)
    return {name: seed.get_absolute_url() if url == "seed" else url for name, url in PAGES.items()}


@pytest.mark.parametrize("name", PAGES)
def test_no_axe_violations(page, archive, name):
    response = page.goto(archive[name])
    assert response.status == (404 if name == "not found" else 200)
    if name.startswith("search"):
        expect(page.get_by_role("list", name="Active filters")).to_be_visible()
    if name == "search with facets and chips":
        expect(page.get_by_role("complementary", name="Narrow the results")).to_be_visible()
    assert axe_violations(page) == []


LONG_WORD = "Antidisestablishmentarianism" * 3
LONG_URL = "http://www.example.com/" + "/".join(["a-path-that-never-breaks"] * 8)


@pytest.fixture
def long_words(archive) -> dict[str, str]:
    """Unbroken words wider than a phone: pasted URLs, run-together names."""
    story = make_story(
        f"{LONG_WORD} {LONG_URL}",
        f"See {LONG_URL} for more. Tony Blair said so.",
        published="2005-05-10",
        entities=[("Tony Blair", "person"), (LONG_WORD, "organization")],
        topics=["Politics"],
    )
    return {
        **archive,
        "long story": story.get_absolute_url(),
        "search with facets and chips": f"/search/?q=Blair+{LONG_WORD}&person=tony-blair",
    }


@pytest.mark.parametrize(
    "name", ["home", "search with facets and chips", "story", "long story", "entity"]
)
def test_nothing_scrolls_sideways_at_360_pixels(page, long_words, name):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(long_words[name])
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
              .filter(el => el.getBoundingClientRect().right > 360)
              .map(el => el.tagName + '.' + el.className).slice(0, 5)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
