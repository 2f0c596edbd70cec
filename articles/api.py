"""A read-only JSON API over the public archive, in plain Django views.

Lists are {count, next, previous, results} with absolute page links that keep
the query string; a story list's count is exact, and its order is the search
page's (BM25 over every match). Errors are RFC 9457
problem documents. The contract is the OpenAPI schema in `openapi.py`, served at
/api/schema.json; the tests check every response against it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from functools import wraps
from http import HTTPStatus

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from jsonschema import Draft202012Validator, FormatChecker

from .filters import ArticleFilter
from .models import Article, Entity, EntityAlias, Mention, Source, normalize_alias
from .openapi import DATE_PATTERN, EMPTY, SCHEMA, SLUG_PATTERN
from .vocabulary import (
    API_ENTITY_MAX_PAGE_SIZE,
    API_ENTITY_PAGE_SIZE,
    API_STORY_MAX_PAGE_SIZE,
    API_STORY_PAGE_SIZE,
    KIND_URL_PREFIX,
    SUGGESTIONS,
)

API_METHODS = ("GET", "HEAD", "OPTIONS")
# How a query string spells an integer: as the schema's clients write one, no more.
_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors


def problem(status: int, detail: str, errors: dict | None = None, **extra) -> JsonResponse:
    body = {"title": HTTPStatus(status).phrase, "status": status, "detail": detail, **extra}
    if errors:
        body["errors"] = errors
    return json_response(body, status=status, content_type="application/problem+json")


def json_response(data: dict | list, *, status: int = 200, **kwargs) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        safe=isinstance(data, dict),
        json_dumps_params={"ensure_ascii": False},
        **kwargs,
    )


def method_not_allowed() -> JsonResponse:
    response = problem(405, "This API is read-only.")
    response["Allow"] = ", ".join(API_METHODS)
    return response


def api_view(path: str | None, *, dated: bool = True) -> Callable[[Callable], Callable]:
    """A view of the operation at `path` in the schema: its query string is checked
    against the schema's parameters first, and errors, 404s included, are problems.
    A `dated` answer says when the archive last changed (Last-Modified).
    The API changes nothing, so no request needs a CSRF token."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            if request.method not in ("GET", "HEAD"):
                return method_not_allowed()
            try:
                if path is not None:
                    errors = query_errors(request, path)
                    if errors:
                        raise ApiError(400, "Invalid parameters.", errors)
                response = view(request, *args, **kwargs)
            except ApiError as exc:
                return problem(exc.status, exc.detail, exc.errors)
            except Http404:
                return problem(404, "Not found.")
            if dated and response.status_code == 200:
                modified = archive_modified()
                if modified is not None:
                    response["Last-Modified"] = http_date(modified.timestamp())
            return response

        return wrapper

    return decorator


def archive_modified():
    """When a story last changed (hidden ones too: hiding one changes the answers)."""
    return Article.objects.aggregate(last=Max("updated_at"))["last"]


# Checking a query string against the schema ----------------------------------


@functools.cache
def _query_parameters(path: str) -> list[tuple[str, dict, Draft202012Validator]]:
    return [
        (p["name"], p["schema"], Draft202012Validator(p["schema"], format_checker=FormatChecker()))
        for p in SCHEMA["paths"][path]["get"].get("parameters", [])
        if p["in"] == "query"
    ]


def _wants_integer(schema: dict) -> bool:
    return schema.get("type") == "integer" or any(map(_wants_integer, schema.get("anyOf", [])))


def _typed(raw: str, schema: dict) -> str | int:
    """A query string value as the schema's type reads it."""
    return int(raw) if _wants_integer(schema) and _INTEGER.fullmatch(raw) else raw


def expected(schema: dict) -> str:
    """What a parameter's schema accepts, in words."""
    if "anyOf" in schema:
        options = [expected(s) for s in schema["anyOf"] if s != EMPTY]
        return " or ".join(options) + ", or empty"
    if "enum" in schema:
        return "one of " + ", ".join(f"“{value}”" for value in schema["enum"] if value)
    if schema.get("type") == "array":
        return f"at most {schema['maxItems']} values, each {expected(schema['items'])}"
    if schema.get("type") == "integer":
        return f"a whole number from {schema['minimum']} to {schema['maximum']:,}"
    if schema.get("pattern") == DATE_PATTERN:
        return "a date, YYYY-MM-DD"
    if schema.get("pattern") == SLUG_PATTERN:
        return f"a slug (letters, digits, - and _) of at most {schema['maxLength']} characters"
    return f"text of at most {schema['maxLength']} characters, with no NUL"


def query_errors(request: HttpRequest, path: str) -> dict[str, list[str]]:
    """What is wrong with the query string, per parameter, as the schema says it."""
    errors = {}
    for name, schema, validator in _query_parameters(path):
        values = request.GET.getlist(name)
        if not values:
            continue
        instance: object
        if schema.get("type") == "array":
            instance = [_typed(value, schema["items"]) for value in values]
        elif len(values) > 1:
            errors[name] = ["Given more than once."]
            continue
        else:
            instance = _typed(values[0], schema)
        if not validator.is_valid(instance):
            errors[name] = [f"Expected {expected(schema)}."]
    return errors


def _number(request: HttpRequest, name: str, default: int) -> int:
    """A page parameter, once query_errors() has checked it."""
    raw = request.GET.get(name, "")
    return int(raw) if raw else default


def _page_url(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def paginate(
    request: HttpRequest,
    queryset: QuerySet | Sequence,
    *,
    default: int,
    maximum: int,
    count: int | None = None,
) -> tuple[Page, dict]:
    """A page of `queryset`; `count`, where the caller knows it, saves a COUNT query."""
    page_size = min(_number(request, "page_size", default), maximum)
    number = _number(request, "page", 1)
    paginator = Paginator(queryset, page_size)
    if count is not None:
        paginator.count = count
    if number > paginator.num_pages:
        raise ApiError(404, f"There is no page {number}; the last is {paginator.num_pages}.")
    page = paginator.page(number)
    envelope = {
        "count": paginator.count,
        "next": _page_url(request, number + 1) if page.has_next() else None,
        "previous": _page_url(request, number - 1) if page.has_previous() else None,
    }
    return page, envelope


def _form_errors(form) -> dict[str, list[str]]:
    return {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }


# Representations ------------------------------------------------------------


def source_data(request: HttpRequest, source: Source | None) -> dict | None:
    if source is None:
        return None
    return {
        "name": source.name,
        "slug": source.slug,
        "html_url": request.build_absolute_uri(source.get_absolute_url()),
    }


def story_summary(request: HttpRequest, story: Article) -> dict:
    absolute = request.build_absolute_uri
    return {
        "id": story.pk,
        "title": story.title,
        "slug": story.slug,
        "url": absolute(reverse("articles:api-story", kwargs={"pk": story.pk})),
        "html_url": absolute(story.get_absolute_url()),
        "original_url": story.url or None,
        "byline": story.byline,
        "dateline": story.dateline,
        "section": story.section,
        "published_at": story.published_at,
        "date_precision": story.date_precision,
        "summary": story.summary,
        "word_count": story.word_count,
        "source": source_data(request, story.source),
        "publisher": source_data(request, story.publisher),
        "cluster": cluster_data(request, story),
    }


def cluster_data(request: HttpRequest, story: Article) -> dict | None:
    """The story's cluster, and in a collapsed search how many other copies it stands for."""
    if story.cluster_id is None:
        return None
    return {
        "id": story.cluster_id,
        "html_url": request.build_absolute_uri(
            reverse("articles:cluster", kwargs={"pk": story.cluster_id})
        ),
        "also_ran": getattr(story, "also_ran", None),
    }


def entity_summary(request: HttpRequest, entity: Entity) -> dict:
    return {
        "name": entity.name,
        "kind": entity.kind,
        "slug": entity.slug,
        "url": request.build_absolute_uri(entity_api_url(entity)),
        "html_url": request.build_absolute_uri(entity.get_absolute_url()),
        "story_count": entity.story_count,  # type: ignore[attr-defined]  # with_story_counts()
    }


def entity_api_url(entity: Entity) -> str:
    return reverse("articles:api-entity", kwargs={"kind": entity.kind, "slug": entity.slug})


def mention_data(request: HttpRequest, mention: Mention) -> dict:
    entity = mention.entity
    return {
        "name": entity.name,
        "kind": entity.kind,
        "slug": entity.slug,
        "url": request.build_absolute_uri(entity_api_url(entity)),
        "html_url": request.build_absolute_uri(entity.get_absolute_url()),
        "count": mention.count,
        "salience": mention.salience,
        "in_headline": mention.in_headline,
        "in_lede": mention.in_lede,
    }


# Views -----------------------------------------------------------------------


@api_view("/api/stories/")
def story_list(request: HttpRequest) -> JsonResponse:
    """Stories, with the same parameters as /search/, plus page and page_size."""
    filterset = ArticleFilter(
        request.GET, queryset=Article.objects.published().for_listing(), request=request
    )
    if not filterset.is_valid():
        # The schema has checked the form of every value: what is left is a slug the
        # archive does not have, which is a resource not found.
        unknown = all(
            error.code == "invalid_choice"
            for errors in filterset.form.errors.as_data().values()
            for error in errors
        )
        raise ApiError(
            404 if unknown else 400, "Invalid search parameters.", _form_errors(filterset.form)
        )
    # The page asked for is fetched with the exact count, in one search.
    page_size = min(_number(request, "page_size", API_STORY_PAGE_SIZE), API_STORY_MAX_PAGE_SIZE)
    number = _number(request, "page", 1)
    found = filterset.results(offset=(number - 1) * page_size, limit=page_size)
    page, envelope = paginate(
        request,
        found.stories,
        default=API_STORY_PAGE_SIZE,
        maximum=API_STORY_MAX_PAGE_SIZE,
        count=found.total,
    )
    return json_response({**envelope, "results": [story_summary(request, story) for story in page]})


@api_view("/api/stories/{id}/")
def story_detail(request: HttpRequest, pk: int) -> JsonResponse:
    story = get_object_or_404(
        Article.objects.published().select_related("source", "publisher").for_reading(),
        pk=pk,
    )
    mentions = story.mentions.select_related("entity").order_by("salience", "-count", "pk")
    entities: list[dict] = []
    topics: list[dict] = []
    for mention in mentions:
        (topics if mention.entity.kind == Entity.Kind.TOPIC else entities).append(
            mention_data(request, mention)
        )
    data = story_summary(request, story)
    data.update(
        updated_at_source=story.updated_at_source,
        body=story.body,
        read_time=(
            {"min": story.read_time[0], "max": story.read_time[1]} if story.read_time else None
        ),
        disclaimer=story.disclaimer,
        copyright=story.copyright,
        entities=entities,
        topics=topics,
        copies=[
            {
                "id": copy.pk,
                "url": request.build_absolute_uri(
                    reverse("articles:api-story", kwargs={"pk": copy.pk})
                ),
                "original_url": copy.url or None,
                "published_at": copy.published_at,
                "source": source_data(request, copy.source),
                "publisher": source_data(request, copy.publisher),
            }
            for copy in Article.objects.published()
            .filter(cluster_id=story.cluster_id)
            .exclude(pk=story.pk)
            .select_related("source", "publisher")
            .order_by("cluster_rank", "id")
        ]
        if story.cluster_id
        else [],
        provenance={
            "url": story.url or None,
            "source_path": story.source_path,
            "raw_format": story.raw_format,
            "content_hash": story.content_hash,
            "batch_id": story.batch_id,
            "created_at": story.created_at,
            "updated_at": story.updated_at,
        },
    )
    return json_response(data)


def counted_entities() -> QuerySet:
    """Entities with their public story counts, leaving out those with none: they
    would only reveal hidden stories."""
    return Entity.objects.with_story_counts().filter(story_count__gt=0)


def entity_query(request: HttpRequest) -> tuple[str, str]:
    """The `q` and `kind` parameters of the entity list and suggestions (query_errors()
    has checked them), with the spaces in `q` made single."""
    return " ".join(request.GET.get("q", "").split()), request.GET.get("kind", "")


def matching_entities(q: str, kind: str = "") -> QuerySet:
    """Entities whose name or an alias contains `q`, names starting with it first,
    then by how many public stories mention them."""
    entities = counted_entities()
    if kind:
        entities = entities.filter(kind=kind)
    order = ["-story_count", "name", "pk"]
    if q:
        aliases = EntityAlias.objects.filter(
            entity=OuterRef("pk"), normalized__contains=normalize_alias(q)
        )
        entities = entities.filter(Q(name__icontains=q) | Exists(aliases)).annotate(
            starts=Case(
                When(name__istartswith=q, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.insert(0, "starts")
    return entities.order_by(*order)


@api_view("/api/entities/")
def entity_list(request: HttpRequest) -> JsonResponse:
    q, kind = entity_query(request)
    page, envelope = paginate(
        request,
        matching_entities(q, kind),
        default=API_ENTITY_PAGE_SIZE,
        maximum=API_ENTITY_MAX_PAGE_SIZE,
    )
    return json_response(
        {**envelope, "results": [entity_summary(request, entity) for entity in page]}
    )


@api_view("/api/suggest/")
def opensearch_suggestions(request: HttpRequest) -> JsonResponse:
    """OpenSearch suggestions for a browser's search box: ["q", ["Name", …]]."""
    q, kind = entity_query(request)
    names = list(matching_entities(q, kind).values_list("name", flat=True)[:SUGGESTIONS])
    return json_response([q, names], content_type="application/x-suggestions+json")


@api_view("/api/entities/{kind}/{slug}/")
def entity_detail(request: HttpRequest, kind: str, slug: str) -> JsonResponse:
    entity = get_object_or_404(counted_entities().prefetch_related("aliases"), kind=kind, slug=slug)
    # The search parameter for each kind is the kind's own name (?person=, ?topic=…).
    stories = reverse("articles:api-stories")
    data = entity_summary(request, entity)
    data.update(
        description=entity.description,
        aliases=[alias.name for alias in entity.aliases.all()],
        stories_url=request.build_absolute_uri(f"{stories}?{entity.kind}={entity.slug}"),
        feed_url=request.build_absolute_uri(
            reverse(
                "articles:feed-entity",
                kwargs={"kind": KIND_URL_PREFIX[entity.kind], "slug": entity.slug},
            )
        ),
    )
    return json_response(data)


@api_view("/api/entities/{slug}/")
def entity_by_slug(request: HttpRequest, slug: str) -> JsonResponse:
    """A bare slug, as the architecture sketch has it. Slugs are unique per kind only, so
    one match redirects to its kind's URL and several answer 300 with the choices."""
    matches = list(counted_entities().filter(slug=slug).order_by("kind"))
    if not matches:
        raise Http404
    if len(matches) == 1:
        response = json_response(
            {"url": request.build_absolute_uri(entity_api_url(matches[0]))}, status=302
        )
        response["Location"] = entity_api_url(matches[0])
        return response
    return problem(
        300,
        f"“{slug}” names {len(matches)} entities of different kinds; choose one.",
        choices=[entity_summary(request, entity) for entity in matches],
    )


@api_view("/api/", dated=False)
def root(request: HttpRequest) -> JsonResponse:
    """Where to start: the collections and the schema that describes them."""
    return json_response(
        {
            name: request.build_absolute_uri(reverse(f"articles:{route}"))
            for name, route in [
                ("stories", "api-stories"),
                ("entities", "api-entities"),
                ("schema", "api-schema"),
            ]
        }
    )


@api_view("/api/schema.json", dated=False)
def schema(request: HttpRequest) -> JsonResponse:
    return json_response(SCHEMA)


@api_view(None, dated=False)
def not_found(request: HttpRequest) -> JsonResponse:
    raise Http404
