"""Tagging stored stories again (after alias or rule edits, or a model upgrade), and
re-parsing one from its stored raw input."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from .. import ingest, pipeline, tagging
from ..ingest.types import IngestError, ParsedStory
from ..models import Article, Entity, Mention
from .archive import archive_changed, id_slices
from .clusters import cluster_story_edited
from .ingest import (
    article_fields,
    article_version_keep,
    content_hash,
    mentions_replace,
    story_entities,
    tagging_context,
    title_slug,
    topic_entities,
)
from .resolve import entities_resolve


def _retag_story(article: Article) -> ParsedStory:
    """The story as stored, in the form the tagger reads; its topics are the ones it has now."""
    topics = [m.entity.name for m in article.mentions.all() if m.entity.kind == Entity.Kind.TOPIC]
    return ParsedStory(
        path=article.source_path,
        title=article.title,
        body=article.body,
        format=article.raw_format,
        byline=article.byline,
        published_at=article.published_at,
        dateline=article.dateline,
        source=article.source.name if article.source else "",
        publisher=article.publisher.name if article.publisher else "",
        section=article.section,
        url=article.url,
        topics=topics,
        raw=article.raw_input,
        language=article.language,
    )


def articles_retag(
    *,
    articles: Iterable[Article],
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    resolve: bool = True,
) -> int:
    """Tag stories again from their stored fields and replace their mentions, then
    resolve the archive's entities (see `entities_resolve`) unless `resolve` is off.

    Each story keeps its topics (they came from the page, not the tagger), gains
    what the topic rules find now, and gets whatever the tagger finds now, with
    the archive's current aliases. NER runs in `workers` processes. Returns how
    many stories were re-tagged.
    """
    if isinstance(articles, QuerySet):
        pks = list(articles.order_by("pk").values_list("pk", flat=True))
    else:
        pks = [article.pk for article in articles]
    context = tagging_context()
    # The tagger returns results in input order; this queue pairs each with its story.
    waiting: deque[tuple[Article, ParsedStory]] = deque()

    def stories():
        for chunk in id_slices(pks, 200):
            batch = (
                Article.objects.filter(pk__in=chunk)
                .select_related("source", "publisher")
                # The mentions' entities by a join: Django 5.2 prefetches a foreign key
                # with one OR term per row, past SQLite's expression depth of 1,000
                # once 200 stories name more than 1,000 entities.
                .prefetch_related(
                    Prefetch("mentions", queryset=Mention.objects.select_related("entity"))
                )
            )
            for article in batch:
                story = _retag_story(article)
                story.topics = tagging.topics_for(story, context.topic_rules)
                waiting.append((article, story))
                yield story

    done = 0

    def english(stories):
        """Only text the English model can read goes to it, as at ingest: another
        language's story keeps its topics and gets no guesses from English NER."""
        nonlocal done
        for story in stories:
            if story.language in ingest.language.NER_LANGUAGES:
                yield story
                continue
            article, _ = waiting.pop()
            with transaction.atomic():
                mentions_replace(
                    article=article,
                    entities=topic_entities(parsed=story, rules=context.topic_rules),
                )
                archive_changed(article_ids=[article.pk])
            done += 1
            if on_progress is not None:
                on_progress(1)

    tagged = tagging.tag_many(english(stories()), aliases=context.aliases, n_process=workers)
    for entities in tagged:
        article, story = waiting.popleft()
        with transaction.atomic():
            mentions_replace(
                article=article,
                entities=story_entities(parsed=story, entities=entities, rules=context.topic_rules),
            )
            archive_changed(article_ids=[article.pk])
        done += 1
        if on_progress is not None:
            on_progress(1)
    if resolve:
        entities_resolve()
    else:
        archive_changed()  # as it would have had it resolved
    return done


def article_reparse(*, article: Article) -> Article:
    """Parse a story again from its stored raw input and update it as ingest would.

    Raises IngestError, having changed nothing, when the input no longer parses or
    the re-parsed text is another story's. A changed title or body is kept as an
    ArticleVersion first.
    """
    if not article.raw_input:
        raise IngestError("the story has no stored raw input to re-parse")
    try:
        parsed = ingest.parse_text(
            article.raw_input, path=article.source_path, format=article.raw_format or None
        )
        # Its manifest's date and topics, its sidecar's and the batch's defaults, as
        # ingest applied them: the raw input alone does not hold them.
        pipeline.apply_given(parsed, article.given_metadata or {})
        context = tagging_context()
        if parsed.language in ingest.language.NER_LANGUAGES:  # the model reads English
            parsed.entities = tagging.tag(parsed, aliases=context.aliases)
        parsed.topics = tagging.topics_for(parsed, context.topic_rules)
    except IngestError:
        raise
    except Exception as exc:  # a parser bug is a failed re-parse, not a server error
        raise IngestError(f"could not be parsed ({type(exc).__name__}: {exc})") from exc
    digest = content_hash(parsed.body)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        other = Article.objects.filter(content_hash=digest).exclude(pk=article.pk).first()
        if other:
            raise IngestError(f"the re-parsed text is the same as story {other.pk}")
        fields = article_fields(parsed=parsed)
        if digest != article.content_hash or fields["title"] != article.title:
            article_version_keep(article=article)
        for name, value in fields.items():
            setattr(article, name, value)
        article.slug = title_slug(article.title)
        article.content_hash = digest
        article.save()
        mentions_replace(
            article=article,
            entities=story_entities(
                parsed=parsed, entities=parsed.entities, rules=context.topic_rules
            ),
        )
        archive_changed(article_ids=[article.pk])
        cluster_story_edited(article=article)
    return article
