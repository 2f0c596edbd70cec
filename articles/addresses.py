"""The addresses a page links many times, reversed once a process.

A list page links twenty stories and as many entities, and every page its header's
dozen; reverse() takes 20-40 µs each (tens of them were a fifth of an entity page's
CPU). The same arguments always reverse to the same path for one URLconf and script
prefix, so the answer is kept, keyed by both, in a bounded map: never stale, and no
state another server would need.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

# About 200 bytes each: a few MB at most, per process.
ADDRESSES_KEPT = 16384


@lru_cache(maxsize=ADDRESSES_KEPT)
def _reversed(
    resolver: Any, urlconf: str | None, prefix: str, viewname: str, args: tuple, kwargs: tuple
) -> str:
    # The resolver is in the key: override_settings(ROOT_URLCONF=...) makes a new one.
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def address(viewname: str, *args: Any, **kwargs: Any) -> str:
    """reverse(viewname, args=args, kwargs=kwargs), remembered."""
    urlconf = get_urlconf()
    return _reversed(
        get_resolver(urlconf),
        urlconf,
        get_script_prefix(),
        viewname,
        args,
        tuple(sorted(kwargs.items())),
    )
