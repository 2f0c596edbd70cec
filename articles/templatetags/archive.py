"""Template helpers for links that keep the rest of the query string."""

from __future__ import annotations

from urllib.parse import quote_plus

from django import template
from django.template import engines
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .cite import cite_this

register = template.Library()


Pairs = tuple[tuple[str, str], ...]  # (value, "key=value" as urlencode writes it)


def _pair(key: str, value: str) -> tuple[str, str]:
    return value, f"{quote_plus(key)}={quote_plus(value)}"


def _pairs(key: str, values) -> Pairs:
    """`values` of `key` less the empty ones (no link carries `&from=&to=`), each with
    its encoded pair."""
    return tuple(_pair(key, value) for value in values if value != "")


def _params(request) -> list[tuple[str, Pairs]]:
    """The request's query string as (key, pairs) in its order, read and encoded once a
    request: a page builds a link for every facet value, and copying the QueryDict for
    each (a deep copy), then encoding all of it again, cost more than the rest of the
    link. A key whose values are all empty stays, with none, where it stood."""
    cached = getattr(request, "_archive_params", None)
    if cached is None:
        cached = [(key, _pairs(key, values)) for key, values in request.GET.lists()]
        request._archive_params = cached
    return cached


def query_with(request, **replace) -> str:
    """This request's query string with each of `replace` set (None removes it), back
    to page 1 and with no empty parameters: for links built in views."""
    return _query(request, replace=replace)


# Never carried into another link: the page number, and the "More…" page's filter box.
NOT_CARRIED = ("page", "find")


def _query(request, *, add=None, remove=None, drop=NOT_CARRIED, replace=None) -> str:
    """The request's query string with `replace`d keys, less `drop` and empty values,
    less `remove` ((key, value), or (key, None) for all of a key), plus `add` ((key,
    value), unless there already): what urlencode(QueryDict) would write, each key's
    values together, in first-seen order, from the pairs encoded once a request."""
    params = dict(_params(request))
    for key, value in (replace or {}).items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = _pairs(key, [str(value)])
    for key in drop:
        params.pop(key, None)
    params = {key: pairs for key, pairs in params.items() if pairs}
    if remove:
        key, value = remove
        if value is None:
            params.pop(key, None)
        elif key in params:
            params[key] = tuple(pair for pair in params[key] if pair[0] != str(value))
    if add:
        key, value = add
        pairs = params.get(key, ())
        if all(given != str(value) for given, _ in pairs):
            params[key] = (*pairs, _pair(key, str(value)))
    encoded = "&".join(pair for pairs in params.values() for _, pair in pairs)
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
def thousands(value) -> str:
    """A count with thousands separators, "12,345": humanize's intcomma for the site's
    one language (English), at a fraction of its cost, for the long lists of counts."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: templates cannot index a dict by a variable."""
    return mapping.get(key) if mapping else None


# Page numbers shown either side of the current one, besides the first and the last.
PAGE_WINDOW = 2


def page_numbers(number: int, last: int, window: int = PAGE_WINDOW) -> list[int | None]:
    """The page numbers to link: the first, the last, and `window` either side of
    `number`; None where numbers are left out (shown as an ellipsis)."""
    shown = {1, last, *range(max(1, number - window), min(last, number + window) + 1)}
    numbers: list[int | None] = []
    for n in sorted(shown):
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(n - 1 if n - numbers[-1] == 2 else None)
        numbers.append(n)
    return numbers


@register.inclusion_tag("includes/_pagination.html", takes_context=True)
def pagination(context) -> dict:
    """Numbered pages with first and last, "21–40 of 1,234", Previous and Next."""
    page = context.get("page_obj")
    paginator = context.get("paginator")
    if page is None or paginator is None:
        return {"page_obj": None}
    return {
        "request": context["request"],
        "page_obj": page,
        "paginator": paginator,
        "first": page.start_index(),
        "last": page.end_index(),
        "numbers": page_numbers(page.number, paginator.num_pages),
        "noun": context.get("pagination_noun", "stories"),
    }


def _jinja(name: str, context: dict) -> SafeString:
    """A partial drawn by the Jinja2 engine (articles/jinja.py), which escapes every value
    it writes (autoescape), as Django templates do."""
    return mark_safe(engines["jinja2"].get_template(name).render(context))


@register.simple_tag(takes_context=True)
def facet_panel(context, facets, selected, search_url: str) -> SafeString:
    """The search page's facet lists (includes/_facet_panel.html), each value linked to
    this search with it added, or removed if chosen: about fifty links a page."""
    request = context["request"]
    return _jinja(
        "includes/_facet_panel.html",
        {
            "facets": facets,
            "selected": selected or {},
            "search_url": search_url,
            "add": lambda key, value: _query(request, add=(key, value)),
            "remove": lambda key, value=None: _query(request, remove=(key, value)),
        },
    )


@register.simple_tag(takes_context=True)
def story_article(context) -> SafeString:
    """The story page's article (includes/_story_article.html), with its "Cite this
    story" section drawn by its own tag (templatetags/cite.py)."""
    story = context["story"]
    cite = render_to_string("includes/_cite_this.html", cite_this(context, story))
    names = ("story", "paragraphs", "entity_groups", "related", "previous", "next")
    return _jinja(
        "includes/_story_article.html",
        {**{name: context.get(name) for name in names}, "cite": mark_safe(cite)},
    )


@register.simple_tag
def copy_rows(copies, count: int, original=None, left=None, right=None) -> SafeString:
    """The versions page's rows of copies (includes/_copy_rows.html), fifty a page, of
    `count` in all: with two or more, the radio buttons that choose the two compared."""
    context = {"copies": copies, "original": original, "left": left, "right": right}
    return _jinja("includes/_copy_rows.html", {**context, "compare": count > 1})


@register.simple_tag
def story_cards(stories, heading: int = 3, snippets=None, by_year: bool = False) -> SafeString:
    """The stories as cards (includes/_story_cards.html, a Jinja2 template): titles at heading level
    `heading`, search's highlighted passages by story id in `snippets`, and with
    `by_year` a heading one level up wherever the year changes. A list page draws twenty
    cards, so they are one Jinja2 template, rendered once for the whole list."""
    context = {"stories": stories, "level": int(heading), "snippets": snippets, "by_year": by_year}
    return _jinja("includes/_story_cards.html", context)
