"""Template helpers for links that keep the rest of the query string."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

register = template.Library()


def _params(request) -> list[tuple[str, list[str]]]:
    """The request's query string as (key, values) pairs, read once a request: a page
    builds a link for every facet value, and copying the QueryDict for each (a deep
    copy) cost more than the rest of the link."""
    cached = getattr(request, "_archive_params", None)
    if cached is None:
        cached = [(key, list(values)) for key, values in request.GET.lists()]
        request._archive_params = cached
    return cached


def _query(request, *, add=None, remove=None, drop=("page",)) -> str:
    params = {key: list(values) for key, values in _params(request)}
    for key in drop:
        params.pop(key, None)
    if remove:
        key, value = remove
        if value is None:
            params.pop(key, None)
        elif key in params:
            params[key] = [v for v in params[key] if v != str(value)]
    if add:
        key, value = add
        values = params.get(key, [])
        if str(value) not in values:
            params[key] = [*values, str(value)]
    # As QueryDict.urlencode writes it: each key's values together, in first-seen order.
    encoded = urlencode([(key, value) for key, values in params.items() for value in values])
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def add_filter(context, key: str, value) -> str:
    """This page's query string plus one more filter value (back to page 1)."""
    return _query(context["request"], add=(key, value))


@register.simple_tag(takes_context=True)
def replace_filter(context, key: str, value) -> str:
    """This page's query string with `key` set to `value` alone (back to page 1)."""
    return _query(context["request"], remove=(key, None), add=(key, value))


@register.simple_tag(takes_context=True)
def remove_filter(context, key: str, value=None) -> str:
    """This page's query string without one filter value (or the whole key)."""
    return _query(context["request"], remove=(key, value))


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: templates cannot index a dict by a variable."""
    return mapping.get(key) if mapping else None
