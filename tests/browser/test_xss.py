"""No payload from tests/fixtures/xss_payloads.txt runs in Chromium, on any page, feed or
admin screen. Each payload, if it ran, would set window.__xss (or open a dialog)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ..factories import XSS_PAYLOADS, hostile_archive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hostile(transactional_db):
    return hostile_archive()


def assert_nothing_ran(page, url: str, dialogs: list[str]) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status < 500, url
    page.wait_for_timeout(50)  # let autofocus, onload and ontoggle handlers fire
    ran = page.evaluate("() => window.__xss")
    assert ran is None, f"a payload ran on {url}"
    assert not dialogs, f"a dialog opened on {url}: {dialogs}"


def watch_dialogs(page) -> list[str]:
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


def test_public_pages_and_feeds(page, hostile):
    dialogs = watch_dialogs(page)
    urls = ["/", "/search/", "/search/?q=budget", "/feeds/latest/", "/feeds/search/?q=budget"]
    for story in hostile:
        urls.append(story.get_absolute_url())
        urls += [entity.get_absolute_url() for entity in story.entities.all()]
    urls += [f"/search/?q={quote(payload)}" for payload in XSS_PAYLOADS]
    urls += [f"/search/suggest.json?q={quote(payload[:90])}" for payload in XSS_PAYLOADS]
    for url in urls:
        assert_nothing_ran(page, url, dialogs)
    assert len(urls) > 100


def test_admin_screens(page, hostile, live_server):
    from django.contrib.auth.models import User

    User.objects.create_superuser("curator", password="a-long-curator-password")
    dialogs = watch_dialogs(page)
    page.goto("/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "a-long-curator-password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    story = hostile[0]
    entity = story.entities.get(kind="person")
    for url in [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/?q=budget",
        f"/admin/articles/article/{story.pk}/change/",
        "/admin/articles/entity/",
        f"/admin/articles/entity/{entity.pk}/change/",
        "/admin/articles/entityalias/",
        "/admin/articles/mention/",
        "/admin/articles/source/",
    ]:
        assert_nothing_ran(page, url, dialogs)
