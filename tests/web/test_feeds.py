"""Atom feeds: latest, search, entity and source; hidden stories never appear."""

from xml.etree import ElementTree

import pytest
from django.urls import reverse

from articles import feeds
from articles.models import Article, Entity, Source
from articles.vocabulary import KIND_URL_PREFIX

from ..factories import index_now, make_story

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def stories():
    blair = make_story(
        "Blair wins third term",
        "Tony Blair won a third term.",
        published="2005-05-06",
        entities=[("Tony Blair", "person"), ("Labour", "organization"), ("London", "place")],
        topics=["Politics"],
    )
    Article.objects.filter(pk=blair.pk).update(
        byline="Nick Assinder",
        disclaimer="This archived story is for personal use <only>.",
    )
    brown = make_story(
        "Budget day",
        "Gordon Brown presents the budget.",
        published="2004-03-17",
        entities=[("Gordon Brown", "person"), ("British", "group")],
        topics=["Politics"],
    )
    undated = make_story("Undated note", "A story with no date.", published=None)
    cocoa = make_story(
        "Cocoa review", "Showers in Bahia.", published="1987-05-06", source="Reuters"
    )
    make_story(
        "Hidden Blair story",
        "Tony Blair said something secret.",
        published="2006-01-01",
        entities=[("Tony Blair", "person")],
        topics=["Politics"],
    )
    make_story(
        "Hidden agency story",
        "Only hidden stories mention Tony Hidden.",
        source="Secret Agency",
        entities=[("Tony Hidden", "person")],
    )
    Article.objects.filter(title__startswith="Hidden").update(is_public=False)
    return {"blair": blair, "brown": brown, "undated": undated, "cocoa": cocoa}


def entries(client, url, params=None) -> list[dict]:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "published": entry.findtext(f"{ATOM}published"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def titles(items: list[dict]) -> list[str]:
    return [item["title"] for item in items]


def test_latest_feed_lists_public_stories_newest_first(client, stories):
    items = entries(client, reverse("articles:feed-latest"))
    assert titles(items) == ["Blair wins third term", "Budget day", "Cocoa review", "Undated note"]
    blair = items[0]
    assert blair["link"] == "http://testserver" + stories["blair"].get_absolute_url()
    assert blair["published"].startswith("2005-05-06T00:00:00")
    assert blair["updated"].startswith("2005-05-06")
    assert blair["author"] == "Nick Assinder"
    assert "Tony Blair won a third term." in blair["summary"]
    # The disclaimer is in the summary, escaped once more because the summary is HTML.
    assert (
        "Archive notice:</em> This archived story is for personal use &lt;only&gt;."
        in (blair["summary"])
    )
    assert blair["categories"] == ["Politics"]
    assert items[1]["author"] == "BBC"  # no byline: the source's name


def test_an_undated_story_has_no_published_date(client, stories):
    undated = next(i for i in entries(client, "/feeds/latest/") if i["title"] == "Undated note")
    assert undated["published"] is None  # when it was archived is not when it was published
    created = stories["undated"].created_at
    assert undated["updated"].startswith(created.strftime("%Y-%m-%dT%H:%M"))


def test_story_markup_is_text_not_html(client, db):
    make_story("Tags <b>& more</b>", "<script>alert(1)</script> and body.")
    item = entries(client, reverse("articles:feed-latest"))[0]
    assert item["title"] == "Tags <b>& more</b>"  # Atom title is text: shown as written
    assert "<script>" not in item["summary"]
    assert "&lt;script&gt;" in item["summary"]


def test_feeds_are_capped(client, stories, monkeypatch):
    assert feeds.FEED_LIMIT == 50
    monkeypatch.setattr(feeds.StoryFeed, "limit", 2)
    assert len(entries(client, reverse("articles:feed-latest"))) == 2


def test_search_feed_takes_the_search_filters(client, stories):
    url = reverse("articles:feed-search")
    assert titles(entries(client, url, {"q": "Blair"})) == ["Blair wins third term"]
    assert titles(entries(client, url, {"person": "gordon-brown"})) == ["Budget day"]
    assert titles(entries(client, url, {"topic": "politics", "sort": "oldest"})) == [
        "Budget day",
        "Blair wins third term",
    ]
    assert titles(entries(client, url, {"source": "reuters"})) == ["Cocoa review"]
    assert titles(entries(client, url, {"year": "2004"})) == ["Budget day"]
    assert titles(entries(client, url, {"has_date": "false"})) == ["Undated note"]
    assert titles(entries(client, url, {"q": "secret"})) == []


def test_search_feed_links_back_to_the_search(client, stories):
    response = client.get(reverse("articles:feed-search"), {"q": "Blair", "year": "2005"})
    root = ElementTree.fromstring(response.content)
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/search/?q=Blair&year=2005"
    assert links["self"] == "http://testserver/feeds/search/?q=Blair&year=2005"


@pytest.mark.parametrize(
    "params",
    [
        {"person": "nobody"},
        {"source": "nowhere"},
        {"year": "abc"},
        {"from": "2005-13-45"},
        {"sort": "sideways"},
        {"q": "x" * 10_000},
        {"q": "Blair\x00"},
        {"person": "tony\x00blair"},
        {"has_date": "maybe"},
    ],
)
def test_search_feed_rejects_invalid_filters(client, stories, params):
    response = client.get(reverse("articles:feed-search"), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_search_feed_ignores_unknown_parameters(client, stories):
    assert titles(entries(client, "/feeds/search/", {"q": "Blair", "utm_source": "x"})) == [
        "Blair wins third term"
    ]


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Tony Blair", "person", ["Blair wins third term"]),
        ("Labour", "organization", ["Blair wins third term"]),
        ("London", "place", ["Blair wins third term"]),
        ("British", "group", ["Budget day"]),
        ("Politics", "topic", ["Blair wins third term", "Budget day"]),
    ],
)
def test_entity_feeds(client, stories, name, kind, expected):
    entity = Entity.objects.get(name=name, kind=kind)
    url = f"{entity.get_absolute_url()}feed/"
    assert url == reverse(
        "articles:feed-entity",
        kwargs={"kind": KIND_URL_PREFIX[kind], "slug": entity.slug},
    )
    assert titles(entries(client, url)) == expected  # never the hidden story


def test_source_feed(client, stories):
    source = Source.objects.get(slug="reuters")
    url = reverse("articles:feed-source", kwargs={"slug": source.slug})
    assert titles(entries(client, url)) == ["Cocoa review"]


@pytest.mark.parametrize(
    "url",
    [
        "/people/nobody/feed/",
        "/topics/tony-blair/feed/",
        "/sources/nowhere/feed/",
        "/people/tony-hidden/feed/",  # only hidden stories mention them
        "/sources/secret-agency/feed/",
    ],
)
def test_unknown_feed_object_is_404(client, stories, url):
    assert client.get(url).status_code == 404


def test_hidden_stories_appear_in_no_feed(client, stories):
    urls = [
        "/feeds/latest/",
        "/feeds/search/?q=secret",
        "/feeds/search/?q=Blair",
        "/people/tony-blair/feed/",
        "/topics/politics/feed/",
        "/sources/bbc/feed/",
    ]
    for url in urls:
        assert "Hidden Blair story" not in client.get(url).content.decode(), url


@pytest.mark.parametrize(
    "url", ["/feeds/latest/", "/feeds/search/?topic=politics", "/topics/politics/feed/"]
)
def test_feed_queries_do_not_grow_with_stories(client, stories, url, django_assert_num_queries):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    index_now()
    few = count()
    for n in range(6):
        make_story(f"More politics {n}", f"Story number {n}.", topics=["Politics"])
    index_now()
    with django_assert_num_queries(few):
        client.get(url)


def alternate_links(client, url) -> list[str]:
    html = client.get(url).content.decode()
    head = html[: html.index("</head>")]
    return [
        line.split('href="')[1].split('"')[0]
        for line in head.splitlines()
        if 'rel="alternate" type="application/atom+xml"' in line
    ]


def test_pages_advertise_their_feeds(client, stories):
    assert alternate_links(client, "/") == ["/feeds/latest/"]
    assert alternate_links(client, "/people/tony-blair/") == [
        "/feeds/latest/",
        "/people/tony-blair/feed/",
    ]
    assert alternate_links(client, "/sources/bbc/") == ["/feeds/latest/", "/sources/bbc/feed/"]
    assert alternate_links(client, "/search/?q=Blair&page=1") == [
        "/feeds/latest/",
        "/feeds/search/?q=Blair",
    ]
    for url in alternate_links(client, "/people/tony-blair/"):
        assert client.get(url).status_code == 200


def test_search_feed_ranks_like_the_search_page(client, stories):
    url = reverse("articles:feed-search")
    page = client.get(reverse("articles:search"), {"q": "politics"})
    expected = [story.title for story in page.context["stories"]]
    assert sorted(expected) == ["Blair wins third term", "Budget day"]
    assert titles(entries(client, url, {"q": "politics"})) == expected


FEED_URLS = [
    "/feeds/latest/",
    "/feeds/search/?q=story",
    "/feeds/search/?has_date=false",
    "/topics/politics/feed/",
    "/sources/bbc/feed/",
]


@pytest.fixture
def anonymous_stories(stories):
    """A story with neither byline nor source, as many scraped sites give."""
    make_story("Nobody wrote this story", "A story with no byline.", source="")
    make_story("Spaces for a byline", "Another story.", source="", published=None)
    Article.objects.filter(title="Spaces for a byline").update(byline="   ")
    return stories


@pytest.mark.parametrize("url", FEED_URLS)
def test_feeds_pass_feedparser_with_no_blank_fields(client, anonymous_stories, url):
    """What the W3C feed validator checks that feedparser can: well formed, no blank
    author names, ids or dates, and a date wherever Atom requires one."""
    import feedparser

    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.author_detail.name.strip()  # the feed's own author covers every entry
    assert feed.feed.updated_parsed
    assert feed.entries
    for entry in feed.entries:
        assert entry.id.strip() and entry.title.strip() and entry.link.strip()
        assert entry.updated_parsed
        for author in entry.get("authors", []):
            assert author.get("name", "").strip(), (url, entry.title)
    raw = response.content.decode()
    assert "<name></name>" not in raw and "<name/>" not in raw
    assert "<published></published>" not in raw


def test_an_entry_with_no_author_has_no_author_element(client, anonymous_stories):
    import feedparser

    feed = feedparser.parse(client.get("/feeds/latest/").content)
    nobody = next(e for e in feed.entries if e.title == "Nobody wrote this story")
    assert "authors" not in nobody and "author" not in nobody
    spaces = next(e for e in feed.entries if e.title == "Spaces for a byline")
    assert "authors" not in spaces and "published" not in spaces


def test_feeds_answer_conditional_gets(client, stories):
    first = client.get("/feeds/latest/")
    assert first["Last-Modified"] and first["ETag"]
    assert client.get("/feeds/latest/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    conditional = {"If-Modified-Since": first["Last-Modified"]}
    assert client.get("/feeds/latest/", headers=conditional).status_code == 304
    make_story("Fresh news", "Today.", published="2010-01-01")
    assert client.get("/feeds/latest/", headers={"If-None-Match": first["ETag"]}).status_code == 200
