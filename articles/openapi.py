"""The API's contract, as an OpenAPI 3.1 document (served at /api/schema.json).

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the tests validate live
responses against the component schemas here. Objects forbid properties the
schema does not name: an undocumented field fails the tests.
"""

from __future__ import annotations


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


URL = {"type": "string", "format": "uri"}
DATETIME = {"type": "string", "format": "date-time"}
KINDS = ["person", "organization", "place", "group", "topic"]
SLUG_LIST = {"type": "array", "items": {"type": "string"}}

PAGE_PARAMETERS = [
    _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
]

SEARCH_PARAMETERS = [
    _query(
        "q",
        'Words (all must match), "a phrase", OR, -excluded, prefix*. At most 500 characters.',
        {"type": "string", "maxLength": 500},
    ),
    *[
        _query(
            kind,
            f"Slug of a {kind} every story must mention; repeat for more (AND).",
            SLUG_LIST,
            explode=True,
        )
        for kind in KINDS
    ],
    _query("source", "Slug of the source."),
    _query("section", "Section name, any case.", {"type": "string", "maxLength": 200}),
    _query("from", "Published on or after this date.", {"type": "string", "format": "date"}),
    _query("to", "Published on or before this date.", {"type": "string", "format": "date"}),
    _query("year", "Published in this year.", {"type": "integer", "minimum": 1, "maximum": 9999}),
    _query(
        "has_date", "Only dated (true) or undated (false) stories.", {"enum": ["true", "false"]}
    ),
    _query(
        "sort",
        "relevance (the default with q), newest (the default without), or oldest.",
        {"enum": ["relevance", "newest", "oldest"]},
    ),
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
    "date_precision": {"enum": ["none", "year", "month", "day", "minute"]},
    "summary": {"type": "string"},
    "word_count": {"type": "integer", "minimum": 0},
    "source": {**_nullable(_ref("Source")), "description": "Who wrote it."},
    "publisher": {**_nullable(_ref("Source")), "description": "The site it was archived from."},
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
            "hidden never appear, nor do entities only hidden stories mention."
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
                    *PAGE_PARAMETERS,
                    _query(
                        "page_size",
                        "Stories per page (default 20).",
                        {"type": "integer", "minimum": 1, "maximum": 100},
                    ),
                ],
                "responses": {
                    "200": _json(_ref("StoryList"), "A page of stories."),
                    "400": _problem("An invalid parameter."),
                    "404": _problem("A page beyond the last."),
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
                    _query("q", "Part of a name or alias.", {"type": "string", "maxLength": 100}),
                    _query("kind", "Only this kind.", {"enum": KINDS}),
                    *PAGE_PARAMETERS,
                    _query(
                        "page_size",
                        "Entities per page (default 10).",
                        {"type": "integer", "minimum": 1, "maximum": 50},
                    ),
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
                "parameters": [
                    _query("q", "What has been typed.", {"type": "string", "maxLength": 100}),
                    _query("kind", "Only this kind.", {"enum": KINDS}),
                ],
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
