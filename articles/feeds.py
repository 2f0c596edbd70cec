"""Atom feeds: the latest stories, a search, an entity's or a source's stories."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .filters import ArticleFilter
from .models import Article, Entity, Mention, Source
from .vocabulary import FEED_LIMIT, KIND_BY_URL_PREFIX


class InvalidFilters(Exception):
    def __init__(self, errors: dict) -> None:
        super().__init__("invalid filters")
        self.errors = errors


class StoryFeed(Feed):
    """What every story feed shares: Atom, 50 entries, and how a story becomes one."""

    feed_type = Atom1Feed
    author_name = "newsarchive"
    limit = FEED_LIMIT

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFilters as exc:
            lines = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items()]
            return HttpResponseBadRequest(
                "Invalid feed parameters.\n" + "\n".join(lines),
                content_type="text/plain; charset=utf-8",
            )

    def stories(self, obj):
        raise NotImplementedError

    def items(self, obj):
        return self.listed(self.stories(obj))[: self.limit]

    @staticmethod
    def listed(stories):
        """`stories` with what an entry shows fetched in the same few queries."""
        topics = Mention.objects.filter(entity__kind=Entity.Kind.TOPIC).select_related("entity")
        return stories.for_listing().prefetch_related(
            Prefetch("mentions", queryset=topics, to_attr="topic_mentions")
        )

    def item_title(self, item: Article) -> str:
        # Atom titles are text: the feed writer escapes them once, which is enough.
        return item.title

    def item_description(self, item: Article) -> str:
        # Atom summaries are typed "html", so story text is escaped before any markup.
        parts = [f"<p>{escape(item.summary)}</p>"] if item.summary else []
        if item.disclaimer:
            parts.append(f"<p><em>Archive notice:</em> {escape(item.disclaimer)}</p>")
        return "\n".join(parts)

    def item_pubdate(self, item: Article):
        # An undated story has no <published>: when it was archived is not when it was
        # published. Atom requires only <updated>.
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at_source or item.published_at or item.created_at

    def item_author_name(self, item: Article) -> str | None:
        """The byline, else the source; else no <author> (the feed's own applies),
        since Atom forbids an empty name."""
        name = " ".join(item.byline.split()) or (item.source.name if item.source else "")
        return name or None

    def item_categories(self, item: Article) -> list[str]:
        return [mention.entity.name for mention in item.topic_mentions]  # type: ignore[attr-defined]  # Prefetch to_attr


class LatestFeed(StoryFeed):
    title = "newsarchive: latest stories"
    subtitle = "The most recently published stories in the archive."

    def link(self) -> str:
        return reverse("articles:home")

    def stories(self, obj):
        return Article.objects.published().latest()


@dataclass
class SavedSearch:
    filterset: ArticleFilter
    query_string: str

    def with_query(self, url: str) -> str:
        return f"{url}?{self.query_string}" if self.query_string else url


class SearchFeed(StoryFeed):
    """A saved search: the same parameters as /search/, best matches or newest first."""

    # One Feed instance serves every request, so per-request state lives in the object.
    def get_object(self, request: HttpRequest) -> SavedSearch:
        filterset = ArticleFilter(
            request.GET, queryset=self.listed(Article.objects.published()), request=request
        )
        if not filterset.is_valid():
            raise InvalidFilters(filterset.errors)
        return SavedSearch(filterset, request.GET.urlencode())

    def title(self, obj: SavedSearch) -> str:
        return f"newsarchive: {obj.filterset.query or 'search'}"

    def subtitle(self, obj: SavedSearch) -> str:
        return "Stories matching a search of the archive."

    def link(self, obj: SavedSearch) -> str:
        return obj.with_query(reverse("articles:search"))

    def feed_url(self, obj: SavedSearch) -> str:
        return obj.with_query(reverse("articles:feed-search"))

    def items(self, obj: SavedSearch):
        # Ranked as the search page ranks, over every match.
        return obj.filterset.results(limit=self.limit).stories[: self.limit]


class EntityFeed(StoryFeed):
    def get_object(self, request: HttpRequest, kind: str, slug: str) -> Entity:
        return get_object_or_404(Entity.objects.public(), kind=KIND_BY_URL_PREFIX[kind], slug=slug)

    def title(self, obj: Entity) -> str:
        return f"newsarchive: {obj.name}"

    def subtitle(self, obj: Entity) -> str:
        return f"Stories about the {obj.get_kind_display()} {obj.name}."

    def link(self, obj: Entity) -> str:
        return obj.get_absolute_url()

    def stories(self, obj: Entity):
        return Article.objects.published().for_entity(obj).latest()


class SourceFeed(StoryFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Source:
        return get_object_or_404(Source.objects.public(), slug=slug)

    def title(self, obj: Source) -> str:
        return f"newsarchive: {obj.name}"

    def subtitle(self, obj: Source) -> str:
        return f"Stories from {obj.name}."

    def link(self, obj: Source) -> str:
        return obj.get_absolute_url()

    def stories(self, obj: Source):
        return Article.objects.published().filter(Q(source=obj) | Q(publisher=obj)).latest()
