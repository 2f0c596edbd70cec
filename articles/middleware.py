"""Headers every response carries, and the API's contract at its edge.

`SiteHeadersMiddleware` adds Permissions-Policy and Cross-Origin-Resource-Policy to
every response, static files and errors included. `ApiMiddleware` stands in front of
everything under /api/: any origin may read it (CORS, preflight answered), a method
other than GET, HEAD and OPTIONS is a 405 before CSRF or routing sees it, and every
error, whoever made it (routing, Django's own 400s, the 500 and 503 handlers), leaves
as an RFC 9457 problem document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .api import API_METHODS, method_not_allowed, problem

# Headers a browser script may read from a cross-origin answer, beyond the simple ones.
EXPOSED = ["ETag", "Last-Modified", "Location", "Retry-After", "Allow"]
# Headers that mean the same on an error once it is a problem document.
KEPT = ["Allow", "Retry-After", "Location", "Last-Modified"]
PREFLIGHT_MAX_AGE = 24 * 60 * 60


def api_prefix() -> str:
    return reverse("articles:api-root")


class SiteHeadersMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    @cached_property
    def permissions_policy(self) -> str:
        return ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.NEWSARCHIVE_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        # The API is for other sites to read; every other answer is for this one.
        public = request.path_info.startswith(api_prefix())
        response.setdefault(
            "Cross-Origin-Resource-Policy", "cross-origin" if public else "same-origin"
        )
        return response


def preflight(request: HttpRequest) -> HttpResponse:
    """OPTIONS: what may be asked of the API, for a browser's CORS preflight or anyone."""
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(API_METHODS)
    response["Access-Control-Allow-Methods"] = ", ".join(API_METHODS)
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:  # no credentials are ever involved, so any header may be sent
        response["Access-Control-Allow-Headers"] = asked
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def as_problem(response: HttpResponse) -> HttpResponse:
    """An error some other part of Django answered in HTML, as a problem document."""
    try:
        detail = HTTPStatus(response.status_code).description
    except ValueError:
        detail = ""
    converted = problem(response.status_code, detail or "The request failed.")
    for header in KEPT:
        if header in response:
            converted[header] = response[header]
    return converted


def _is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/problem+json")


class ApiMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(api_prefix()):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = preflight(request)
        elif request.method not in API_METHODS:
            response = method_not_allowed()
        else:
            response = self.get_response(request)
        if response.status_code >= 400 and not _is_problem(response):
            response = as_problem(response)
        # Public, read-only data: any site may read it from a browser.
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = ", ".join(EXPOSED)
        return response


# A search that cannot be answered yet ------------------------------------------------

SEARCH_RETRY_AFTER_SECONDS = 60


class SearchUnavailableMiddleware:
    """An index that was never built answers 503 with Retry-After: problem+json on the
    API, the site's own page elsewhere. Never a 500, never an empty result that would
    read as "nothing matches"."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.template.loader import render_to_string

        from .search import SearchUnavailable

        if not isinstance(exception, SearchUnavailable):
            return None
        # With the database down too (the SQLite file's folder gone, say), say that.
        database_down = _database_down()
        if request.path.startswith(api_prefix()):
            from .api import problem

            detail = (
                "The archive's database cannot be reached just now."
                if database_down
                else "Search is being prepared; try again in a minute."
            )
            response: HttpResponse = problem(503, detail)
        else:
            template = "503.html" if database_down else "503_search.html"
            response = HttpResponse(
                render_to_string(template),
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Retry-After"] = str(SEARCH_RETRY_AFTER_SECONDS)
        return response


def _database_down() -> bool:
    from django.db import OperationalError

    from .errors import database_unavailable

    return database_unavailable(OperationalError("is the database there?"))
