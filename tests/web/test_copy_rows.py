"""The versions page's rows of copies, drawn by one Jinja2 partial (the copy_rows tag)."""

import datetime as dt

import pytest
from django.template import engines

from articles.models import Source

from ..factories import make_article

pytestmark = pytest.mark.django_db


def rows(copies, count, **marked) -> str:
    args = " ".join(f"{key}={key}" for key in marked)
    page = engines["django"].from_string(
        "{% load archive %}{% copy_rows copies count " + args + " %}"
    )
    return page.render({"copies": copies, "count": count, **marked})


def test_each_copy_shows_its_source_publisher_date_and_words_and_the_marks():
    wire, site = (Source.objects.create(name=n, slug=n.lower()) for n in ("Wire", "Site"))
    first = make_article(
        "Fire at the docks",
        source=wire,
        publisher=site,
        url="https://site.example/fire",
        word_count=412,
        published_at=dt.datetime(2004, 3, 9, tzinfo=dt.UTC),
    )
    second = make_article("Docks fire <updated>", word_count=380)
    html = rows([first, second], 2, original=first, left=first, right=second)
    assert html.count('<tr class="compared">') == 2
    assert '<span class="badge">original</span>' in html and html.count("badge") == 1
    assert '<td data-label="Source">Wire</td>' in html
    assert '<a href="https://site.example/fire" rel="nofollow noopener">Site</a>' in html
    assert '<time datetime="2004-03-09T00:00:00+00:00">9 Mar 2004</time>' in html
    assert '<td data-label="Words" class="number">412</td>' in html
    # A copy with no source, publisher or date says so; its title is escaped.
    assert '<td data-label="Source">—</td>' in html and "Undated" in html
    assert "Docks fire &lt;updated&gt;" in html
    assert f'name="a" value="{first.pk}" aria-describedby="copy-{first.pk}" checked' in html
    assert f'name="b" value="{second.pk}" aria-describedby="copy-{second.pk}" checked' in html


def test_a_copy_with_a_url_but_no_publisher_links_to_the_publisher():
    copy = make_article("Only copy", url="https://elsewhere.example/x")
    assert ">the publisher</a>" in rows([copy], 2)


def test_a_cluster_of_one_copy_offers_nothing_to_compare():
    copy = make_article("Alone")
    html = rows([copy], 1, original=copy)
    assert 'type="radio"' not in html and 'class="compared"' not in html
