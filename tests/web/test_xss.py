"""Hostile markup in stories, entities and queries is shown as text, never as markup.

tests/browser/ loads the same payloads in Chromium and proves none executes.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from ..factories import XSS_PAYLOADS, hostile_archive

pytestmark = pytest.mark.django_db

FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "data", "formaction", "xlink:href"}


class MarkupAudit(HTMLParser):
    """Collects the markup a browser would act on: event handlers, inline scripts,
    javascript: URLs and embedding tags. Escaped text is data to it, as to a browser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.findings.append(f"<{tag}>")
        if tag == "script":
            self._in_script = not dict(attrs).get("src")
        attributes = dict(attrs)
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.findings.append(f"<meta refresh {attributes.get('content')}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}=>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                ("javascript:", "0;url=javascript")
            ):
                self.findings.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.findings.append(f"inline script: {data[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def assert_inert(html: str, where: str) -> None:
    audit = MarkupAudit()
    audit.feed(html)
    assert not audit.findings, f"{where}: {audit.findings}"


def test_the_audit_catches_unescaped_payloads():
    caught = 0
    for payload in XSS_PAYLOADS:
        audit = MarkupAudit()
        audit.feed(f"<p>{payload}</p>")
        caught += bool(audit.findings)
    assert caught >= 18  # the rest need a browser to judge (CSS, mXSS): tests/browser/


def test_payload_corpus_is_large_enough():
    assert len(XSS_PAYLOADS) >= 20


def test_payloads_are_escaped_on_every_page(client):
    stories = hostile_archive()
    pages = [reverse("articles:home"), reverse("articles:search")]
    for story in stories:
        pages.append(story.get_absolute_url())
        pages += [entity.get_absolute_url() for entity in story.entities.all()]
    pages.append(stories[0].source.get_absolute_url())
    for payload in XSS_PAYLOADS:
        pages.append(reverse("articles:search") + "?" + f"q=budget+{payload}".replace("&", "%26"))
    pages.append(reverse("articles:facet", args=["person"]) + "?q=budget")
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_inert(response.content.decode(), url)


def test_search_queries_are_escaped(client):
    hostile_archive()
    for payload in XSS_PAYLOADS:
        response = client.get(reverse("articles:search"), {"q": payload})
        assert response.status_code == 200
        assert_inert(response.content.decode(), payload)
