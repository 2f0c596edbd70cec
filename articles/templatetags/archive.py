"""Template helpers for links that keep the rest of the query string."""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


def _query(request, *, add=None, remove=None, drop=("page",)) -> str:
    params: QueryDict = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    if remove:
        key, value = remove
        if value is None:
            params.pop(key, None)
        else:
            params.setlist(key, [v for v in params.getlist(key) if v != str(value)])
    if add:
        key, value = add
        values = params.getlist(key)
        if str(value) not in values:
            params.setlist(key, [*values, str(value)])
    encoded = params.urlencode()
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
