"""Build stories through the same service the ingest command uses."""

from __future__ import annotations

from datetime import UTC, datetime

from articles.ingest.types import ParsedStory, TaggedEntity
from articles.models import Article
from articles.services import ingest as ingest_service


def make_story(
    title: str,
    body: str,
    *,
    published: str | None = "2005-03-01",
    source: str = "BBC",
    entities: list[tuple[str, str]] = (),
    topics: list[str] = (),
    section: str = "",
    path: str | None = None,
) -> Article:
    published_at = None
    if published:
        published_at = datetime.fromisoformat(published).replace(tzinfo=UTC)
    parsed = ParsedStory(
        path=path or f"test/{title}.txt",
        title=title,
        body=body,
        source=source,
        published_at=published_at,
        section=section,
        topics=list(topics),
        entities=[
            TaggedEntity(name=name, kind=kind, count=1, salience=rank)
            for rank, (name, kind) in enumerate(entities, 1)
        ],
        raw=f"{title}\n\n{body}",
        format="plain",
    )
    return ingest_service.article_ingest(parsed=parsed).article


def index_now() -> None:
    """Bring the test's search index in step with its archive, as the indexer would:
    a query count measured after it is the steady state's, with no catch-up in it."""
    from articles import search

    assert search.keep_in_step()
