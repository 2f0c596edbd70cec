"""The archive's words, each defined once: entity kinds and how URLs, filters and facets
name them, the orders a list can take, page sizes and the limits on what a reader types.

Models, filters, views, URLs, feeds, the API and its OpenAPI document read them from
here, and templates through the `vocabulary` context processor. Tagging (pure Python)
writes the kinds as the same plain strings.
"""

from __future__ import annotations

from django.db import models


class EntityKind(models.TextChoices):
    """What an entity is (Entity.Kind)."""

    PERSON = "person", "person"
    ORGANIZATION = "organization", "organization"
    PLACE = "place", "place"
    GROUP = "group", "group"
    TOPIC = "topic", "topic"


# Each kind's pages live under /<prefix>/<slug>/; a search filters on it with ?<kind>=<slug>
# (the kind's own name); its facet heading is the plural.
KIND_URL_PREFIX: dict[str, str] = {
    EntityKind.PERSON: "people",
    EntityKind.ORGANIZATION: "organizations",
    EntityKind.PLACE: "places",
    EntityKind.GROUP: "groups",
    EntityKind.TOPIC: "topics",
}
KIND_BY_URL_PREFIX: dict[str, str] = {prefix: kind for kind, prefix in KIND_URL_PREFIX.items()}
# The URL pattern's alternatives: people|organizations|places|groups|topics
KIND_URL_PATTERN = "|".join(KIND_URL_PREFIX.values())
KIND_HEADING: dict[str, str] = {
    EntityKind.PERSON: "People",
    EntityKind.ORGANIZATION: "Organizations",
    EntityKind.PLACE: "Places",
    EntityKind.GROUP: "Groups",
    EntityKind.TOPIC: "Topics",
}

# Orders. A search: ?sort=, with the label the form shows (relevance is the default
# with a query, newest without). An entity's page: a topic's defaults to central.
SEARCH_SORTS: list[tuple[str, str]] = [
    ("relevance", "Relevance"),
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
]
ENTITY_SORTS: dict[str, str] = {"central": "Most central first", "newest": "Newest first"}

# Page sizes.
PAGE_SIZE = 20  # stories on a browse or search page
COPIES_PAGE_SIZE = 50  # copies on a page of a story cluster's versions
FACET_LIMIT = 10  # values of one facet beside the results ("More…" shows the rest)
FEED_LIMIT = 50  # entries in an Atom feed
API_MAX_PAGE = 100_000  # the highest page number the API answers
API_STORY_PAGE_SIZE, API_STORY_MAX_PAGE_SIZE = 20, 100
# The entity list also serves search-box autocomplete: small pages by default.
API_ENTITY_PAGE_SIZE, API_ENTITY_MAX_PAGE_SIZE = 10, 50
SUGGESTIONS = 8  # names offered while a reader types
REVIEW_LIMIT = 50  # entities in each list of the curators' review page

# Below this confidence (0..1) an entity stays off the home page and out of
# autocomplete until a curator confirms it (Entity.TRUSTED_CONFIDENCE).
TRUSTED_CONFIDENCE = 0.5

# What a reader types.
MAX_QUERY_LENGTH = 500  # a search query; longer is refused (the form), or cut (parsing)
NAME_QUERY_MAX_LENGTH = 100  # part of a name, for autocomplete and the API's entity list


def context(request) -> dict:
    """The vocabulary for templates (a context processor): `{{ vocabulary.MAX_QUERY_LENGTH }}`."""
    return {"vocabulary": _FOR_TEMPLATES}


_FOR_TEMPLATES = {
    "MAX_QUERY_LENGTH": MAX_QUERY_LENGTH,
    "NAME_QUERY_MAX_LENGTH": NAME_QUERY_MAX_LENGTH,
    "KIND_URL_PREFIX": KIND_URL_PREFIX,
    "KIND_HEADING": KIND_HEADING,
    "PAGE_SIZE": PAGE_SIZE,
}
