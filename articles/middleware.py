"""Turning a search that cannot be answered yet into a 503 the client can retry."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .search import SearchUnavailable

RETRY_AFTER_SECONDS = 60


class SearchUnavailableMiddleware:
    """An index that was never built answers 503 with Retry-After: problem+json on the
    API, the site's own page elsewhere. Never a 500, never an empty result that would
    read as "nothing matches"."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, SearchUnavailable):
            return None
        if request.path.startswith("/api/"):
            from .api import problem

            response = problem(503, "Search is being prepared; try again in a minute.")
        else:
            response = HttpResponse(
                render_to_string("503.html", request=request),
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
