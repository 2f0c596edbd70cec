from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, EntityAlias, Mention

from .conftest import SEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_story() -> Article:
    call_command("ingest", str(SEED), stdout=StringIO())
    return Article.objects.get()


def names(article, kind):
    return set(
        Mention.objects.filter(article=article, entity__kind=kind).values_list(
            "entity__name", flat=True
        )
    )


def test_retag_applies_alias_edits(seed_story):
    assert "Sergey Lavrov" in names(seed_story, "person")
    kremlin = seed_story.entities.get(name="Sergey Lavrov")
    kremlin.name = "Sergei Lavrov"
    kremlin.save()
    EntityAlias.objects.create(entity=kremlin, name="Sergey Lavrov")
    out = StringIO()
    call_command("retag", "--all", "--workers", "1", stdout=out)
    assert "1 stories re-tagged" in out.getvalue()
    assert "Sergei Lavrov" in names(seed_story, "person")
    assert "Sergey Lavrov" not in names(seed_story, "person")
    assert "U.S." in names(seed_story, "topic")  # the page's own topic survives


def test_retag_by_batch_and_since(seed_story):
    out = StringIO()
    call_command("retag", "--batch", str(seed_story.batch_id), "--workers", "1", stdout=out)
    assert "1 stories re-tagged" in out.getvalue()
    out = StringIO()
    call_command("retag", "--since", "2999-01-01", "--workers", "1", stdout=out)
    assert "0 stories re-tagged" in out.getvalue()


@pytest.mark.parametrize(
    "args", [["--since", "yesterday"], ["--batch", "999"], ["--all", "--workers", "0"]]
)
def test_retag_bad_usage(seed_story, args):
    with pytest.raises(CommandError) as excinfo:
        call_command("retag", *args, stdout=StringIO())
    assert excinfo.value.returncode == 2


def test_retag_reads_stories_that_name_more_than_a_thousand_entities():
    # Django 5.2 prefetched the mentions' entities with one OR term per entity, and
    # SQLite refuses an expression deeper than 1,000: retag of a real archive failed.
    from articles.models import Entity

    from .factories import make_story

    story = make_story("Roll call", "Orla Quade and Pell Ardwin met in Tarnby.")
    entities = Entity.objects.bulk_create(
        Entity(name=f"Name {n}", slug=f"name-{n}", kind="person") for n in range(1100)
    )
    Mention.objects.bulk_create(Mention(article=story, entity=e) for e in entities)
    call_command("retag", "--all", "--workers", "1", "--no-resolve", stdout=StringIO())
    assert "Pell Ardwin" in names(story, "person")
    assert "Name 7" not in names(story, "person")


def test_retag_reads_only_english_with_the_english_model(monkeypatch):
    from articles import tagging
    from articles.ingest.types import TaggedEntity
    from articles.services import retag

    from .factories import make_story

    english = make_story(
        "Storm hits coast", "Mayor Ada Byron said the storm hit.", topics=["Weather"]
    )
    french = make_story("Tempête sur la côte", "Le maire Paul Martin a parlé.", topics=["Météo"])
    Article.objects.filter(pk=french.pk).update(language="fr")
    read: list[str] = []

    def fake_tag_many(stories, **kwargs):
        for story in stories:
            read.append(story.title)
            yield [TaggedEntity(name="Ada Byron", kind="person", count=1)]

    monkeypatch.setattr(tagging, "tag_many", fake_tag_many)
    done = retag.articles_retag(articles=Article.objects.all(), resolve=False)
    assert done == 2
    assert read == ["Storm hits coast"]  # the French story never reached the English model
    assert names(english, "person") == {"Ada Byron"}
    assert names(french, "person") == set() and names(french, "topic") == {"Météo"}
