"""Small builders for curation tests: stories, entities and mentions made with the ORM."""

from __future__ import annotations

from itertools import count

from django.utils.text import slugify

from articles.models import Article, Entity, Mention

_serial = count(1)


def make_article(title: str = "", body: str = "", **fields) -> Article:
    n = next(_serial)
    title = title or f"Story {n}"
    return Article.objects.create(
        title=title,
        slug=slugify(title),
        body=body or f"The body of story {n}.",
        content_hash=f"hash-{n}",
        **fields,
    )


def make_entity(name: str, kind: str = Entity.Kind.PERSON, **fields) -> Entity:
    return Entity.objects.create(name=name, kind=kind, slug=slugify(name), **fields)


def mention(article: Article, entity: Entity, **fields) -> Mention:
    return Mention.objects.create(article=article, entity=entity, **fields)
