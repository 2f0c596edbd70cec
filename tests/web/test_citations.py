"""Cite this story: four styles, the right URL and date, and nothing unescaped."""

import json
import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from articles import citations
from articles.models import Article

from ..conftest import SEED
from ..factories import citation_story, make_story

PERMALINK = "https://archive.example/stories/7-blair-wins/"
ACCESSED = date(2026, 11, 27)


def cite(**fields) -> citations.Citation:
    return citations.citation_for(citation_story(**fields), permalink=PERMALINK, accessed=ACCESSED)


def test_authors_come_from_the_byline():
    assert citations.parse_authors("By Matthew Lee, Bradley Klapper and Cher") == [
        citations.Name("Matthew", "Lee"),
        citations.Name("Bradley", "Klapper"),
        citations.Name("", "Cher"),
    ]


def test_apa():
    assert citations.apa(cite()) == (
        "Assinder, N., & Doe, J. (2005, May 6). Blair wins third term. BBC News. "
        "Retrieved November 27, 2026, from https://news.example/politics/blair"
    )


def test_apa_for_an_undated_agency_story_without_an_original_url():
    citation = cite(byline="", published_at=None, date_precision="none", url="")
    # The agency is the author, and is not repeated as the site.
    assert citations.apa(citation) == (
        f"BBC News. (n.d.). Blair wins third term. Retrieved November 27, 2026, from {PERMALINK}"
    )


def test_chicago():
    assert citations.chicago(cite()) == (
        "Assinder, Nick, and Jane Doe. “Blair wins third term.” BBC News, May 6, 2005. "
        "Accessed November 27, 2026. https://news.example/politics/blair."
    )
    assert citations.chicago(cite(title="Who won?", byline="", date_precision="year")) == (
        "BBC News. “Who won?” BBC News, 2005. "
        "Accessed November 27, 2026. https://news.example/politics/blair."
    )


def test_bibtex():
    assert citations.bibtex(cite()) == (
        "@misc{assinder2005blair-7,\n"
        "  author = {Assinder, Nick and Doe, Jane},\n"
        "  title = {{Blair wins third term}},\n"
        "  howpublished = {BBC News},\n"
        "  year = {2005},\n"
        "  month = may,\n"
        "  date = {2005-05-06},\n"
        "  url = {https://news.example/politics/blair},\n"
        "  urldate = {2026-11-27},\n"
        "  note = {Archived copy at https://archive.example/stories/7-blair-wins/. "
        "Publisher's archive notice: For personal use only.}\n"
        "}"
    )


def balanced(text: str) -> bool:
    depth = 0
    for match in re.finditer(r"(?<!\\)[{}]", text):
        depth += 1 if match.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def test_bibtex_escapes_its_special_characters():
    hostile = "50% of } R&D_costs $5 #1 ~ ^ \\input{/etc/passwd} {"
    entry = citations.bibtex(
        cite(title=hostile, byline="Jo {Evil}", url="https://x.example/a}b", disclaimer="")
    )
    assert r"50\% of \} R\&D\_costs \$5 \#1 \~{} \^{} \textbackslash{}input\{/etc/passwd\} \{" in (
        entry
    )
    assert r"\input{" not in entry
    assert "url = {https://x.example/a%7Db}" in entry
    assert balanced(entry)


def test_csl_json():
    [item] = json.loads(citations.csl_json(cite()))
    assert item == {
        "id": "assinder2005blair-7",
        "type": "article-newspaper",
        "title": "Blair wins third term",
        "author": [
            {"family": "Assinder", "given": "Nick"},
            {"family": "Doe", "given": "Jane"},
        ],
        "container-title": "BBC News",
        "issued": {"date-parts": [[2005, 5, 6]]},
        "accessed": {"date-parts": [[2026, 11, 27]]},
        "URL": "https://news.example/politics/blair",
        "archive": "newsarchive",
        "archive_location": PERMALINK,
        "note": (
            f"Archived copy at {PERMALINK}. Publisher's archive notice: For personal use only."
        ),
    }


def test_csl_json_follows_the_date_precision():
    [item] = json.loads(citations.csl_json(cite(date_precision="month", byline="Reuters")))
    assert item["issued"] == {"date-parts": [[2005, 5]]}
    assert item["author"] == [{"literal": "Reuters"}]
    [undated] = json.loads(citations.csl_json(cite(published_at=None, date_precision="none")))
    assert "issued" not in undated


@pytest.mark.django_db
def test_story_page_has_the_cite_section_and_meta_tags(client):
    call_command("ingest", str(SEED), stdout=StringIO())
    seed = Article.objects.get()
    html = client.get(seed.get_absolute_url()).content.decode()
    head, body = html.split("</head>", 1)
    permalink = "http://testserver" + seed.get_absolute_url()
    assert f'<meta name="citation_title" content="{seed.title}">' in head
    assert '<meta name="citation_author" content="The Associated Press">' in head
    assert '<meta name="citation_journal_title" content="KSL.com">' in head
    assert '<meta name="citation_publisher" content="KSL.com">' in head
    assert f'<meta name="citation_public_url" content="{permalink}">' in head
    assert '<meta property="og:type" content="article">' in head
    assert f'<meta property="og:url" content="{permalink}">' in head
    # The dateline has its own field; the description starts with the news.
    assert '<meta property="og:description" content="The United States criticized' in head
    assert "Cite this story" in body
    for style in ("APA", "Chicago", "BibTeX", "CSL-JSON"):
        assert style in body
    assert "archive notice applies to any use: This archived news story" in body
    assert "KSL.com, n.d. Accessed" in body
    assert "@misc{associatednd" in body and f"-{seed.pk}," in body
    ris = client.get(f"/stories/{seed.pk}/cite.ris")
    assert ris["Content-Type"].startswith("application/x-research-info-systems")
    assert ris["Content-Disposition"].startswith("attachment;")
    assert f'href="/stories/{seed.pk}/cite.ris"' in body
    assert "this archive copy" in body


@pytest.mark.django_db
def test_story_page_citations_are_escaped(client):
    article = make_story('<script>alert("x")</script> & friends', "Body.", published="2005-05-06")
    Article.objects.filter(pk=article.pk).update(
        byline='Eve "<img src=x onerror=alert(1)>"',
        url="https://news.example/a?b=1&c=<x>",
        disclaimer="<b>Notice</b>",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>Notice</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; friends" in html
    assert 'content="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; friends"' in html
    assert '<meta property="article:published_time" content="2005-05-06T00:00:00+00:00">' in html
    assert '<meta name="citation_publication_date" content="2005/05/06">' in html


@pytest.mark.django_db
def test_hidden_stories_have_no_citation(client):
    article = make_story("Hidden story", "Secret.")
    Article.objects.filter(pk=article.pk).update(is_public=False)
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("summary", "description"),
    [
        ("WASHINGTON (AP) — The United States said.", "The United States said."),
        ("SALT LAKE CITY — Utah voted.", "Utah voted."),
        ("Tony Blair won - a lot.", "Tony Blair won - a lot."),
        ("A - list stars arrived.", "A - list stars arrived."),
    ],
)
def test_og_description_drops_the_dateline_lead(summary, description):
    from articles.templatetags.cite import _DATELINE_LEAD

    assert _DATELINE_LEAD.sub("", summary) == description
