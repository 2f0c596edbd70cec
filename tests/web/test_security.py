"""Secure defaults: deploy checks, headers, error pages, login lockout, CSRF."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from ..conftest import ROOT

pytestmark = pytest.mark.django_db


def test_check_deploy_passes_with_documented_environment():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-" + "x" * 20,
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
    }
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key_in_production():
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_security_headers(client):
    response = client.get(reverse("articles:home"))
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_in_public_pages(client):
    html = client.get(reverse("articles:home")).content.decode()
    assert "<script>" not in html
    assert "onclick=" not in html.lower()


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no/such/page/", 404, "Page not found"),
        ("/stories/1-x/", 404, "Page not found"),
    ],
)
def test_custom_error_pages(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    assert text in response.content.decode()


def test_custom_500_page(client, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    from newsarchive import urls as root

    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("boom/", boom), *root.urlpatterns]}
    )
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "RuntimeError" not in response.content.decode()


def test_csrf_failure_page(client, db):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(reverse("admin:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_admin_requires_staff(client):
    User.objects.create_user("reader", password="a-long-password-1")
    client.force_login(User.objects.get(username="reader"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_failed_logins_lock_the_account_out(client):
    User.objects.create_superuser("editor", password="the-right-password-9")
    login = reverse("admin:login")
    for _ in range(5):
        response = client.post(login, {"username": "editor", "password": "wrong"})
        assert response.status_code in (200, 429)
    response = client.post(login, {"username": "editor", "password": "the-right-password-9"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("url", "resource_policy"),
    [
        ("/", "same-origin"),
        ("/feeds/latest/", "same-origin"),
        ("/no/such/page/", "same-origin"),
        ("/opensearch.xml", "same-origin"),
        ("/api/stories/", "cross-origin"),
        ("/api/nothing/", "cross-origin"),
    ],
)
def test_every_response_has_permissions_and_resource_policies(client, url, resource_policy):
    response = client.get(url)
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy
    assert response["Cross-Origin-Resource-Policy"] == resource_policy


def test_a_405_and_a_csrf_failure_have_them_too(client):
    assert "Permissions-Policy" in client.post("/api/stories/")
    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {})
    assert response.status_code == 403
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


OUTAGE_SCRIPT = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
answers = {}
for url in ["/", "/search/?q=war", "/api/stories/", "/api/stories/1/", "/feeds/latest/"]:
    response = client.get(url)
    answers[url] = {
        "status": response.status_code,
        "type": response["Content-Type"],
        "retry": response.get("Retry-After"),
        "body": response.content.decode()[:2000],
    }
print(json.dumps(answers))
"""


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-directory/for/newsarchive.sqlite3",  # cannot be opened
        "postgres://postgres@127.0.0.1:1/newsarchive",  # nothing listens there
    ],
)
def test_a_database_outage_is_a_503_with_retry_after(database_url):
    """A real outage: the site in its own process, with a database it cannot reach."""
    import json

    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "0"}
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", OUTAGE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for url, answer in answers.items():
        assert answer["status"] == 503, (url, answer)
        assert int(answer["retry"]) > 0, url
        if url.startswith("/api/"):
            assert answer["type"] == "application/problem+json", url
            assert json.loads(answer["body"])["status"] == 503
        else:
            assert answer["type"].startswith("text/html"), url
            assert "briefly unavailable" in answer["body"], url


def test_a_fault_that_is_not_an_outage_stays_a_500(client, settings):
    from django.db import OperationalError
    from django.urls import path

    from newsarchive import urls as root

    def broken_query(request):
        raise OperationalError("no such column: articles_article.nothing")

    settings.ROOT_URLCONF = type(
        "urls",
        (),
        {
            "urlpatterns": [path("broken/", broken_query), *root.urlpatterns],
            "handler500": root.handler500,
        },
    )
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500  # the database answers: this is a bug, not an outage
    assert "Retry-After" not in response


@pytest.mark.parametrize("name", ["500.html", "503.html", "503_search.html", "503_busy.html"])
def test_the_pages_that_stand_alone_scale_to_a_phone(name):
    """The error pages that cannot extend base.html (they render when the database or
    the index is gone) carry base.html's viewport line, or a phone shows them shrunk."""
    from django.template.loader import get_template

    html = get_template(name).render({})
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
