"""The builders every test uses: stories through the same service the ingest command
uses, bare rows for curation tests, parsed stories for the tagger, unsaved stories for
citations, and the admin's and the ingest command's ways in."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from itertools import count

from django.core.management import call_command
from django.urls import reverse
from django.utils.text import slugify

from articles.ingest.types import ParsedStory, TaggedEntity
from articles.models import Article, Entity, EntityAlias, Mention, Source
from articles.services import ingest as ingest_service
from articles.tagging import story_text

from .conftest import FIXTURES


def make_story(title: str, body: str, **kwargs) -> Article:
    """A story stored as ingest stores it (`story_parsed`'s arguments)."""
    return ingest_service.article_ingest(parsed=story_parsed(title, body, **kwargs)).article


def story_parsed(
    title: str,
    body: str,
    *,
    published: str | None = "2005-03-01",
    source: str = "BBC",
    entities: list[tuple[str, str]] = (),
    topics: list[str] = (),
    section: str = "",
    path: str | None = None,
) -> ParsedStory:
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
    return parsed


def kept_equals_rebuilt(requests) -> list:
    """Answer `requests` from the index as it was kept in step, rebuild it from the
    database, and check that it answers each alike (ids, total, facets); the kept
    answers, for the caller's own checks."""
    from articles import search
    from articles.search import indexer

    kept = [search.run(r) for r in requests]
    indexer.rebuild(search.get_backend())
    rebuilt = [search.run(r) for r in requests]
    assert [(a.ids, a.total, a.facets) for a in kept] == [
        (b.ids, b.total, b.facets) for b in rebuilt
    ]
    return kept


def index_now() -> None:
    """Bring the test's search index in step with its archive, as the indexer would:
    a query count measured after it is the steady state's, with no catch-up in it."""
    from articles import search

    assert search.keep_in_step()


# Bare rows, for curation tests that need exact mentions (no tagger, no ingest).

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


# Parsed stories, for the tagger (no database).


def parsed_story(title: str, *paragraphs: str, **fields) -> ParsedStory:
    return ParsedStory(path="test", title=title, body="\n\n".join(paragraphs), **fields)


def span(s: ParsedStory, surface: str, label: str, nth: int = 0) -> tuple[int, int, str]:
    """The (start, end, label) of the nth occurrence of `surface` in the story's text."""
    text = story_text(s)
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface), label


# An unsaved story with every field a citation reads.


def citation_story(**fields) -> Article:
    defaults = {
        "pk": 7,
        "title": "Blair wins third term",
        "byline": "Nick Assinder and Jane Doe",
        "published_at": datetime(2005, 5, 6, 9, 30, tzinfo=UTC),
        "date_precision": "minute",
        "source": Source(name="BBC News", slug="bbc-news"),
        "url": "https://news.example/politics/blair",
        "disclaimer": "For personal use only.",
    }
    return Article(**{**defaults, **fields})


# The ways in that people use: the ingest command and the admin's change form.


def ingest_command(*args: str) -> tuple[str, str]:
    """Run `manage.py ingest ARGS`: (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("ingest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def changelist(model: str) -> str:
    return reverse(f"admin:articles_{model}_changelist")


def act(client, model: str, action: str, objects, **data):
    """POST an admin action on `objects` to the model's changelist."""
    payload = {"action": action, "_selected_action": [obj.pk for obj in objects], **data}
    return client.post(changelist(model), payload, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def change_form_data(response) -> dict:
    """What an admin change form would post back unedited: its fields and inlines."""
    data = {}
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        forms += [management, *formset.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def edit_in_admin(admin_client, obj, **changes) -> None:
    """Change `obj` through its admin form, as a curator would."""
    change = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
    data = {**change_form_data(admin_client.get(change)), **changes}
    assert admin_client.post(change, data).status_code == 302


# Hostile markup: each payload in a story's every field, an entity, an alias and a topic.

XSS_PAYLOADS = [
    line for line in (FIXTURES / "xss_payloads.txt").read_text().splitlines() if line.strip()
]


def hostile_archive():
    stories = []
    for n, payload in enumerate(XSS_PAYLOADS):
        story = make_story(
            f"Story {n} {payload}",
            f"Budget news {payload} and more budget text.\n\nSecond paragraph {payload}.",
            entities=[(f"Person {n} {payload}", "person")],
            topics=[f"Topic {payload}"],
            section=f"Section {payload}",
        )
        story.byline = f"By {payload}"
        story.save()
        EntityAlias.objects.create(entity=story.entities.get(kind="person"), name=f"Al {payload}")
        stories.append(story)
    return stories
