"""The story page's "Cite this story" section and its citation and OpenGraph meta tags."""

from __future__ import annotations

import re

from django import template
from django.utils import timezone

from ..citations import Citation, all_styles, citation_for
from ..models import Article

register = template.Library()

# "WASHINGTON (AP) — " at the start of a lede: the dateline has its own field.
_DATELINE_LEAD = re.compile(r"^[A-Z]{2}[A-Z .,'’-]*(?:\([^)]{1,40}\))?\s*[—–-]+\s+")


def _citation(context, story: Article) -> Citation:
    request = context["request"]
    return citation_for(
        story,
        permalink=request.build_absolute_uri(story.get_absolute_url()),
        accessed=timezone.localdate(),
    )


@register.inclusion_tag("includes/_cite_this.html", takes_context=True)
def cite_this(context, story: Article) -> dict:
    citation = _citation(context, story)
    return {"story": story, "citation": citation, **all_styles(citation)}


@register.inclusion_tag("includes/_citation_meta.html", takes_context=True)
def citation_meta(context, story: Article) -> dict:
    """Highwire-style tags for Zotero and other reference managers, and OpenGraph."""
    citation = _citation(context, story)
    formats = {"year": "%Y", "month": "%Y/%m"}
    published = None
    if citation.published and citation.precision != Article.DatePrecision.NONE:
        published = citation.published.strftime(formats.get(citation.precision, "%Y/%m/%d"))
    return {
        "story": story,
        "citation": citation,
        "publication_date": published,
        "description": _DATELINE_LEAD.sub("", story.summary),
    }
