"""The API's contract, as an OpenAPI 3.1 document (served at /api/schema.json).

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the tests validate live
responses against the component schemas here. Objects forbid properties the
schema does not name: an undocumented field fails the tests.
"""

from __future__ import annotations

import django_filters

from .filters import ArticleFilter, EntityFilter
from .models import Article, Entity
from .vocabulary import (
    API_ENTITY_MAX_PAGE_SIZE,
    API_ENTITY_PAGE_SIZE,
    API_MAX_PAGE,
    API_STORY_MAX_PAGE_SIZE,
    API_STORY_PAGE_SIZE,
    NAME_QUERY_MAX_LENGTH,
    EntityKind,
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


def _query(name: str, description: str, schema: dict | None = None, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
        **extra,
    }


# Every query parameter may be given empty, which means "not given", as an HTML form
# sends a field left blank. A parameter that is not an array may be given once only.
EMPTY = {"const": ""}


def _or_empty(schema: dict) -> dict:
    return {"anyOf": [schema, EMPTY]}


URL = {"type": "string", "format": "uri"}
DATETIME = {"type": "string", "format": "date-time"}
KINDS = list(EntityKind.values)
PRECISIONS = list(Article.DatePrecision.values)
# Free text: any character but NUL, which no database stores.
NO_NUL = "^[^\\x00]*$"
# Slugs as Django's slugify() makes them (ASCII letters, digits, hyphens, underscores).
SLUG_PATTERN = "^[-a-zA-Z0-9_]*$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Query strings are short enough for any proxy that allows URLs of this many bytes; the
# tests check the longest request the schema allows against it (see REQUEST_LINE_LIMIT).
REQUEST_LINE_LIMIT = 32 * 1024


def _integer(minimum: int, maximum: int) -> dict:
    return _or_empty({"type": "integer", "minimum": minimum, "maximum": maximum})


def _text(max_length: int) -> dict:
    return {"type": "string", "maxLength": max_length, "pattern": NO_NUL}


def _slug(max_length: int) -> dict:
    return {"type": "string", "maxLength": max_length, "pattern": SLUG_PATTERN}


def _page_parameters(default: int, maximum: int, noun: str) -> list[dict]:
    return [
        _query("page", f"Page number, from 1 to {API_MAX_PAGE:,}.", _integer(1, API_MAX_PAGE)),
        _query(
            "page_size",
            f"{noun} per page (default {default}, at most {maximum}).",
            _integer(1, maximum),
        ),
    ]


SEARCH_DESCRIPTIONS = {
    "q": 'Words (all must match), "a phrase", OR, -excluded, prefix*.',
    "source": "Slug of the source.",
    "section": "Section name, any case.",
    "from": "Published on or after this date.",
    "to": "Published on or before this date.",
    "year": "Published in this year.",
    "has_date": "Only dated (true) or undated (false) stories.",
    "sort": "relevance (the default with q), newest (the default without), or oldest.",
    "copies": "collapsed (the default): each story cluster once, counted once; all: every copy.",
}


def _filter_schema(name: str, spec: django_filters.Filter) -> tuple[dict, dict]:
    """The JSON Schema of one ArticleFilter parameter, read from the filter itself."""
    if isinstance(spec, EntityFilter):
        slug_length = Entity._meta.get_field("slug").max_length
        assert slug_length is not None  # a SlugField always has one
        items = _slug(slug_length)
        array = {"type": "array", "items": items, "maxItems": spec.max_values}
        return array, {"explode": True}
    if isinstance(spec, django_filters.ModelChoiceFilter):
        model = spec.extra["queryset"].model
        return _slug(model._meta.get_field(spec.extra["to_field_name"]).max_length), {}
    if isinstance(spec, django_filters.ChoiceFilter):
        return {"enum": [key for key, _label in spec.extra["choices"]] + [""]}, {}
    if isinstance(spec, django_filters.DateFilter):
        return _or_empty({"type": "string", "format": "date", "pattern": DATE_PATTERN}), {}
    if isinstance(spec, django_filters.NumberFilter):
        return _integer(spec.extra["min_value"], spec.extra["max_value"]), {}
    if isinstance(spec, django_filters.CharFilter):
        return _text(spec.extra["max_length"]), {}
    raise TypeError(f"no schema for the filter {name!r} ({type(spec).__name__})")


def _search_parameters() -> list[dict]:
    parameters = []
    for name, spec in ArticleFilter.base_filters.items():
        schema, extra = _filter_schema(name, spec)
        if isinstance(spec, EntityFilter):
            description = (
                f"Slug of {'an' if spec.kind[0] in 'aeiou' else 'a'} {spec.kind} every story "
                "must mention; repeat for more (AND), "
                f"up to {spec.max_values}."
            )
        else:
            description = SEARCH_DESCRIPTIONS[name]
        parameters.append(_query(name, description, schema, **extra))
    return parameters


SEARCH_PARAMETERS = _search_parameters()
ENTITY_PARAMETERS = [
    _query("q", "Part of a name or alias (or what has been typed).", _text(NAME_QUERY_MAX_LENGTH)),
    _query("kind", "Only this kind.", {"enum": [*KINDS, ""]}),
]

SOURCE = _object({"name": {"type": "string"}, "slug": {"type": "string"}, "html_url": URL})

STORY_SUMMARY_PROPERTIES = {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "slug": {"type": "string"},
    "url": {**URL, "description": "This story in the API."},
    "html_url": {**URL, "description": "The story's page in the archive (its permalink)."},
    "original_url": {**_nullable(URL), "description": "Where the publisher printed it."},
    "byline": {"type": "string"},
    "dateline": {"type": "string"},
    "section": {"type": "string"},
    "published_at": _nullable(DATETIME),
    "date_precision": {"enum": PRECISIONS},
    "summary": {"type": "string"},
    "word_count": {"type": "integer", "minimum": 0},
    "source": {**_nullable(_ref("Source")), "description": "Who wrote it."},
    "publisher": {**_nullable(_ref("Source")), "description": "The site it was archived from."},
    "cluster": {
        **_nullable(
            _object(
                {
                    "id": {"type": "integer"},
                    "html_url": {**URL, "description": "The cluster's versions page."},
                    "also_ran": {
                        **_nullable({"type": "integer", "minimum": 0}),
                        "description": "In a collapsed search: how many other copies it shows.",
                    },
                }
            )
        ),
        "description": "The copies of this syndicated story (null: none known).",
    },
}

MENTION = _object(
    {
        "name": {"type": "string"},
        "kind": {"enum": KINDS},
        "slug": {"type": "string"},
        "url": URL,
        "html_url": URL,
        "count": {"type": "integer", "minimum": 0, "description": "Times the story names it."},
        "salience": {"type": "integer", "minimum": 0, "description": "1 is the main subject."},
        "in_headline": {"type": "boolean"},
        "in_lede": {"type": "boolean"},
    }
)

STORY_DETAIL = _object(
    {
        **STORY_SUMMARY_PROPERTIES,
        "updated_at_source": _nullable(DATETIME),
        "body": {"type": "string", "description": "Paragraphs separated by a blank line."},
        "read_time": _nullable(_object({"min": {"type": "integer"}, "max": {"type": "integer"}})),
        "disclaimer": {"type": "string", "description": "The publisher's archive notice."},
        "copyright": {"type": "string"},
        "entities": {"type": "array", "items": _ref("Mention")},
        "topics": {"type": "array", "items": _ref("Mention")},
        "copies": {
            "type": "array",
            "description": "The other public copies of this story, original first.",
            "items": _object(
                {
                    "id": {"type": "integer"},
                    "url": URL,
                    "original_url": _nullable(URL),
                    "published_at": _nullable(DATETIME),
                    "source": _nullable(_ref("Source")),
                    "publisher": _nullable(_ref("Source")),
                }
            ),
        },
        "provenance": _object(
            {
                "url": _nullable(URL),
                "source_path": {"type": "string"},
                "raw_format": {"type": "string"},
                "content_hash": {
                    "type": "string",
                    "description": "SHA-256 of the normalised body; re-ingest finds it.",
                },
                "batch_id": _nullable({"type": "integer"}),
                "created_at": DATETIME,
                "updated_at": DATETIME,
            }
        ),
    }
)

ENTITY_SUMMARY_PROPERTIES = {
    "name": {"type": "string"},
    "kind": {"enum": KINDS},
    "slug": {"type": "string", "description": "Unique within its kind only."},
    "url": URL,
    "html_url": URL,
    "story_count": {"type": "integer", "minimum": 1, "description": "Public stories only."},
}

ENTITY_DETAIL = _object(
    {
        **ENTITY_SUMMARY_PROPERTIES,
        "description": {"type": "string"},
        "aliases": {"type": "array", "items": {"type": "string"}},
        "stories_url": {**URL, "description": "The entity's stories in the API."},
        "feed_url": {**URL, "description": "The entity's Atom feed."},
    }
)


def _list_of(item: str, **extra: dict) -> dict:
    return _object(
        {
            "count": {"type": "integer", "minimum": 0},
            "next": _nullable(URL),
            "previous": _nullable(URL),
            **extra,
            "results": {"type": "array", "items": _ref(item)},
        }
    )


PROBLEM = _object(
    {
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "What was wrong with each parameter.",
        },
        "choices": {"type": "array", "items": _ref("EntitySummary")},
    },
    optional=("errors", "choices"),
)

SCHEMA: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "newsarchive API",
        "version": "1.0",
        "description": (
            "A read-only view of the public archive. Lists are paginated as "
            "{count, next, previous, results}; next and previous are absolute URLs that keep "
            "the query string. A story search ranks every match by BM25, and its count is "
            "exact. Errors are "
            "RFC 9457 problem documents. Stories an editor has "
            "hidden never appear, nor do entities only hidden stories mention. "
            "Any origin may read it (CORS). A parameter left empty counts as not given; "
            "one that is not an array may be given only once. The longest request this "
            f"schema allows fits in {REQUEST_LINE_LIMIT:,} bytes of request line."
        ),
    },
    "paths": {
        "/api/": {
            "get": {
                "operationId": "getRoot",
                "summary": "Links to the collections and this schema.",
                "responses": {
                    "200": _json(
                        _object({"stories": URL, "entities": URL, "schema": URL}),
                        "Where to start.",
                    )
                },
            }
        },
        "/api/stories/": {
            "get": {
                "operationId": "listStories",
                "summary": "Search or list stories, with the same parameters as /search/.",
                "parameters": [
                    *SEARCH_PARAMETERS,
                    *_page_parameters(API_STORY_PAGE_SIZE, API_STORY_MAX_PAGE_SIZE, "Stories"),
                ],
                "responses": {
                    "200": _json(_ref("StoryList"), "A page of stories."),
                    "400": _problem("An invalid parameter."),
                    "404": _problem(
                        "A page beyond the last, or a person, organization, place, group, "
                        "topic or source the archive does not have."
                    ),
                },
            }
        },
        "/api/stories/{id}/": {
            "get": {
                "operationId": "getStory",
                "summary": "One story with its entities, topics and provenance.",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": _json(_ref("StoryDetail"), "The story."),
                    "404": _problem("No public story has this id."),
                },
            }
        },
        "/api/entities/": {
            "get": {
                "operationId": "listEntities",
                "summary": (
                    "Entities whose name or an alias contains q (names starting with q first), "
                    "most-mentioned first. Small pages: suited to autocomplete."
                ),
                "parameters": [
                    *ENTITY_PARAMETERS,
                    *_page_parameters(API_ENTITY_PAGE_SIZE, API_ENTITY_MAX_PAGE_SIZE, "Entities"),
                ],
                "responses": {
                    "200": _json(_ref("EntityList"), "A page of entities."),
                    "400": _problem("An invalid parameter."),
                    "404": _problem("A page beyond the last."),
                },
            }
        },
        "/api/suggest/": {
            "get": {
                "operationId": "suggest",
                "summary": (
                    "OpenSearch suggestions for a browser's search box: the query and up to "
                    "eight entity names, matched as in /api/entities/."
                ),
                "parameters": ENTITY_PARAMETERS,
                "responses": {
                    "200": {
                        "description": "[query, [name, …]]",
                        "content": {
                            "application/x-suggestions+json": {
                                "schema": {
                                    "type": "array",
                                    "prefixItems": [
                                        {"type": "string"},
                                        {
                                            "type": "array",
                                            "items": {"type": "string"},
                                            "maxItems": 8,
                                        },
                                    ],
                                    "minItems": 2,
                                    "maxItems": 2,
                                }
                            }
                        },
                    },
                    "400": _problem("An invalid parameter."),
                },
            }
        },
        "/api/entities/{kind}/{slug}/": {
            "get": {
                "operationId": "getEntity",
                "summary": "One entity. Slugs are unique per kind, so the kind is in the path.",
                "parameters": [
                    {"name": "kind", "in": "path", "required": True, "schema": {"enum": KINDS}},
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _json(_ref("EntityDetail"), "The entity."),
                    "404": _problem("No such entity with public stories."),
                },
            }
        },
        "/api/entities/{slug}/": {
            "get": {
                "operationId": "findEntityBySlug",
                "summary": "Resolve a bare slug to its kind's URL.",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "302": {
                        "description": "One entity has this slug: Location is its URL.",
                        "content": {
                            "application/json": {
                                "schema": _object({"url": URL}),
                            }
                        },
                    },
                    "300": _problem("Several kinds share the slug: `choices` lists them."),
                    "404": _problem("No entity with public stories has this slug."),
                },
            }
        },
        "/api/schema.json": {
            "get": {
                "operationId": "getSchema",
                "summary": "This document.",
                "responses": {"200": {"description": "The OpenAPI document."}},
            }
        },
    },
    "components": {
        "schemas": {
            "Source": SOURCE,
            "StorySummary": _object(STORY_SUMMARY_PROPERTIES),
            "StoryDetail": STORY_DETAIL,
            "StoryList": _list_of("StorySummary"),
            "Mention": MENTION,
            "EntitySummary": _object(ENTITY_SUMMARY_PROPERTIES),
            "EntityDetail": ENTITY_DETAIL,
            "EntityList": _list_of("EntitySummary"),
            "Problem": PROBLEM,
        }
    },
}


VALIDATORS = {
    "ETag": {
        "description": "Send it back as If-None-Match: an unchanged answer is a 304.",
        "required": True,
        "schema": {"type": "string"},
    },
}


def _every_operation_answers_conditionally_and_may_be_unavailable() -> None:
    for operation in (ops["get"] for ops in SCHEMA["paths"].values()):
        responses = operation["responses"]
        for status, response in responses.items():
            if status == "200":
                response["headers"] = VALIDATORS
        responses["304"] = {"description": "Not modified since the ETag or date you sent."}
        responses["503"] = _problem(
            "The database is unavailable; Retry-After says how many seconds to wait."
        )


_every_operation_answers_conditionally_and_may_be_unavailable()
