"""Resolution across the archive, its curator overrides, the review list and trust."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles import review
from articles.models import Article, Entity, Mention, MergeRecord
from articles.services import curation, resolve

from ..factories import make_story

pytestmark = pytest.mark.django_db


def entity(name, kind="person"):
    return Entity.objects.get(name=name, kind=kind)


def stories_of(name, kind="person"):
    return set(entity(name, kind).mentions.values_list("article__title", flat=True))


@pytest.fixture
def archive():
    for n in range(3):
        make_story(f"Rally {n}", f"Rally {n}" + " body.", entities=[("Tony Blair", "person")])
    make_story("Budget", "Budget" + " body.", entities=[("Blair", "person")])
    make_story("Poll 1", "Poll 1" + " body.", entities=[("Tories", "organization")])
    make_story("Poll 2", "Poll 2" + " body.", entities=[("Tory", "organization")])
    make_story("Poll 3", "Poll 3" + " body.", entities=[("Lib Dems", "organization")])
    make_story("Poll 4", "Poll 4" + " body.", entities=[("Lib Dem", "organization")])
    for n in range(2):
        make_story(
            f"Burisma {n}", f"Burisma {n}" + " body.", entities=[("Burisma", "organization")]
        )
    make_story("Burisma 3", "Burisma 3" + " body.", entities=[("Burisma", "place")])


def test_plurals_surnames_and_kinds_resolve_to_one_entity_each(archive):
    result = resolve.entities_resolve()
    assert len(result.merged) == 4
    assert stories_of("Tony Blair") == {"Rally 0", "Rally 1", "Rally 2", "Budget"}
    assert not Entity.objects.filter(name="Blair").exists()
    parties = Entity.objects.filter(name__in=["Tory", "Tories", "Lib Dem", "Lib Dems"])
    assert sorted(e.mentions.count() for e in parties) == [2, 2]
    assert list(Entity.objects.filter(name="Burisma").values_list("kind", flat=True)) == [
        "organization"
    ]
    # Each is an ordinary merge: recorded, with its undo.
    assert MergeRecord.objects.count() == 4


def test_a_plural_tagged_with_another_kind_than_its_singular_is_one_entity():
    """The BBC archive had "Tories" as a group in 158 mentions and "Tory" as an
    organization in 3: two entities, and a facet on either missed the other's stories."""
    for n in range(5):
        make_story(f"Poll {n}", f"Poll {n} body.", entities=[("Tories", "group")])
    make_story("Leader", "Leader body.", entities=[("Tory", "organization")])
    resolve.entities_resolve()
    assert list(Entity.objects.filter(name__in=["Tory", "Tories"]).values_list("name", "kind")) == [
        ("Tories", "group")
    ]
    assert stories_of("Tories", "group") == {*(f"Poll {n}" for n in range(5)), "Leader"}


def test_a_persons_name_is_not_joined_to_its_plural():
    """ "The Harcourts" (a family, a band, a programme) is not the person Harcourt."""
    for n in range(5):
        make_story(f"Show {n}", f"Show {n} body.", entities=[("Harcourts", "organization")])
    make_story("Profile", "Profile body.", entities=[("Harcourt", "person")])
    resolve.entities_resolve()
    assert Entity.objects.filter(name="Harcourt", kind="person").exists()
    assert Entity.objects.filter(name="Harcourts", kind="organization").exists()


def test_a_plural_and_singular_split_evenly_between_kinds_wait_for_the_curator():
    for n in range(2):
        make_story(f"Poll {n}", f"Poll {n} body.", entities=[("Tories", "group")])
        make_story(f"Leader {n}", f"Leader {n} body.", entities=[("Tory", "organization")])
    resolve.entities_resolve()
    assert Entity.objects.filter(name__in=["Tory", "Tories"]).count() == 2


def test_ingest_joins_a_singular_of_another_kind_to_its_plural():
    _ingest_run(*[(f"Poll {n}", [("Tories", "group")]) for n in range(4)])
    _ingest_run(("Leader", [("Tory", "organization")]))
    assert list(Entity.objects.filter(name__in=["Tory", "Tories"]).values_list("name", "kind")) == [
        ("Tories", "group")
    ]


def test_an_undone_merge_of_a_plural_and_singular_is_not_redone():
    for n in range(5):
        make_story(f"Poll {n}", f"Poll {n} body.", entities=[("Tories", "group")])
    make_story("Leader", "Leader body.", entities=[("Tory", "organization")])
    resolve.entities_resolve()
    curation.entity_merge_undo(record=MergeRecord.objects.get())
    resolve.entities_resolve()
    assert Entity.objects.filter(name="Tory", kind="organization").exists()


def test_a_surname_without_a_dominant_full_name_stays_for_the_curator():
    make_story("A", "A" + " body.", entities=[("Tony Blair", "person")])
    make_story("B", "B" + " body.", entities=[("Cherie Blair", "person")])
    make_story("C", "C" + " body.", entities=[("Blair", "person")])
    resolve.entities_resolve()
    assert Entity.objects.filter(name="Blair").exists()
    suggested = {(s.remove.name, s.keep.name) for s in review.review().duplicates}
    assert {("Blair", "Tony Blair"), ("Blair", "Cherie Blair")} <= suggested


def test_a_surname_from_another_period_stays_apart():
    for n in range(3):
        make_story(
            f"Now {n}",
            f"Now {n}" + " body.",
            published="2005-03-01",
            entities=[("Tony Blair", "person")],
        )
    make_story("Then", "Then" + " body.", published="1950-01-01", entities=[("Blair", "person")])
    resolve.entities_resolve()
    assert Entity.objects.filter(name="Blair").exists()


def test_curators_decisions_win_over_resolution(archive):
    resolve.entities_resolve()
    record = MergeRecord.objects.get(removed_names="Blair")
    curation.entity_merge_undo(record=record)
    resolve.entities_resolve()
    assert Entity.objects.filter(name="Blair").exists()  # the undone merge is not redone
    assert not MergeRecord.objects.filter(removed_names="Blair", undone_at__isnull=True).exists()


def test_retag_applies_the_rules_and_keeps_admin_kind_changes():
    party = make_story(
        "Party hopes",
        "The Lib Dems expect to gain four seats in the county, Ed Davey said on Monday. "
        "She won an Oscar last year.",
        entities=[("Lib Dems", "person"), ("Oscar", "person")],  # what tagger 1 said
    )
    gas = make_story("Gas", "Burisma paid the fee.", entities=[("Burisma", "organization")])
    curation.entity_change_kind(entity=entity("Burisma", "organization"), kind="place")
    out = StringIO()
    call_command("retag", "--all", "--workers", "1", stdout=out)
    assert "2 stories re-tagged" in out.getvalue() and "entities:" in out.getvalue()
    people = {m.entity.name for m in party.mentions.filter(entity__kind="person")}
    assert "Lib Dems" not in people and "Oscar" not in people
    # The curator's kind holds, whatever the model says of the name now.
    assert set(Entity.objects.filter(name="Burisma").values_list("kind", flat=True)) <= {"place"}
    assert not gas.mentions.filter(entity__name="Burisma").exclude(entity__kind="place").exists()


def test_the_review_list_shows_each_kind_of_doubt():
    make_story("A", "A" + " body.", entities=[("Shrek", "person")])
    Entity.objects.filter(name="Shrek").update(confidence=0.3)
    make_story("B", "B" + " body.", entities=[("Burisma", "person"), ("Tories", "organization")])
    make_story("C", "C" + " body.", entities=[("Burisma", "place")])
    make_story("D", "D" + " body.", entities=[("Tory", "organization")])
    found = review.review()
    assert [e.name for e in found.low_confidence] == ["Shrek"]
    assert [{e.kind for e in g} for g in found.mixed_kinds] == [{"person", "place"}]
    pairs = {(frozenset({s.remove.name, s.keep.name}), s.reason) for s in found.duplicates}
    assert (frozenset({"Tory", "Tories"}), "plural and singular") in pairs
    assert "Shrek" in {e.name for e in found.single_story}


def test_the_review_page_merges_a_suggested_pair_in_one_click(admin_client):
    make_story("A", "A" + " body.", entities=[("Tories", "organization")])
    make_story("B", "B" + " body.", entities=[("Tories", "organization")])
    make_story("C", "C" + " body.", entities=[("Tory", "organization")])
    url = reverse("admin:articles_entity_review")
    page = admin_client.get(url)
    assert page.status_code == 200 and b"Merge Tory into Tories" in page.content
    keep, remove = entity("Tories", "organization"), entity("Tory", "organization")
    response = admin_client.post(url, {"do": "merge", "keep": keep.pk, "remove": remove.pk})
    assert response.status_code == 302
    record = MergeRecord.objects.get()
    assert record.keep == keep and record.removed_names == "Tory"
    curation.entity_merge_undo(record=record)  # the ordinary undo
    assert Entity.objects.filter(name="Tory").exists()
    assert admin_client.post(url, {"do": "merge", "keep": "x"}).status_code == 302


def test_low_confidence_entities_stay_off_home_and_autocomplete_until_confirmed(client):
    make_story("A", "A" + " body.", entities=[("Shrek", "person"), ("Jane Doe", "person")])
    Entity.objects.filter(name="Shrek").update(confidence=0.3)
    suggest = reverse("articles:suggest")
    offered = {r["name"] for r in client.get(suggest, {"q": "Shr"}).json()["results"]}
    assert offered == set()
    assert "Jane Doe" in {e.name for e in Entity.objects.trusted().top("person")}
    assert "Shrek" not in {e.name for e in Entity.objects.trusted().top("person")}
    curation.entity_confirm(entities=[entity("Shrek")])
    offered = {r["name"] for r in client.get(suggest, {"q": "Shr"}).json()["results"]}
    assert offered == {"Shrek"}


# Resolution at ingest: a plain `ingest` leaves one entity per real-world thing.


def _ingest_run(*stories: tuple[str, list[tuple[str, str]]]) -> None:
    from articles.ingest.types import ParsedStory, TaggedEntity
    from articles.services import ingest as ingest_service

    run = ingest_service.ingest_run_start(paths=["run/"])
    for title, entities in stories:
        run.add(
            name=title,
            parsed=ParsedStory(
                path=f"run/{title}.txt",
                title=title,
                body=f"{title} body.",
                entities=[TaggedEntity(name=n, kind=k, count=1) for n, k in entities],
            ),
        )
    run.finish()


# Three stories: enough for a full name to dominate its surname (SURNAME_DOMINANCE).
RALLIES = [(f"Rally {n}", [("Tony Blair", "person")]) for n in (1, 2, 3)]


def _people() -> set[str]:
    return set(Entity.objects.filter(kind="person").values_list("name", flat=True))


def test_ingest_resolves_a_later_surname_to_the_full_name():
    _ingest_run(*RALLIES)
    _ingest_run(("Budget", [("Blair", "person")]))
    assert _people() == {"Tony Blair"}
    assert stories_of("Tony Blair") == {"Rally 1", "Rally 2", "Rally 3", "Budget"}


def test_ingest_resolves_an_earlier_surname_once_the_full_name_dominates():
    _ingest_run(("Budget", [("Blair", "person")]))
    assert _people() == {"Blair"}
    _ingest_run(*RALLIES)
    assert _people() == {"Tony Blair"}
    assert stories_of("Tony Blair") == {"Rally 1", "Rally 2", "Rally 3", "Budget"}


def test_ingest_joins_a_merged_away_name_seen_again_in_the_same_run(monkeypatch):
    from articles.services import ingest as ingest_service

    monkeypatch.setattr(ingest_service, "GROUP_SIZE", 1)
    _ingest_run(
        ("Poll 1", [("Tories", "organization")]),
        ("Poll 2", [("Tory", "organization")]),
        ("Poll 3", [("Tory", "organization")]),
        ("Poll 4", [("Tories", "organization")]),
    )
    parties = Entity.objects.filter(kind="organization")
    assert parties.count() == 1
    assert parties.get().mentions.count() == 4
    assert MergeRecord.objects.count() == 1  # later stories went straight to the survivor


def test_ingest_keeps_curators_decisions():
    _ingest_run(("Gas 1", [("Burisma", "organization")]))
    curation.entity_change_kind(entity=entity("Burisma", "organization"), kind="place")
    _ingest_run(("Gas 2", [("Burisma", "organization")]), ("Gas 3", [("Burisma", "organization")]))
    assert Entity.objects.get(name="Burisma", kind="place").kind_locked  # not voted away
    _ingest_run(*RALLIES)
    _ingest_run(("Budget", [("Blair", "person")]))
    record = MergeRecord.objects.get(removed_names="Blair")
    curation.entity_merge_undo(record=record)
    _ingest_run(("Rally 4", [("Tony Blair", "person")]))
    assert _people() == {"Tony Blair", "Blair"}  # the undone merge is not redone


def test_ingest_command_resolves_in_both_orders(tmp_path):
    from ..factories import ingest_command

    def story(folder, name, title, body):
        path = tmp_path / folder
        path.mkdir(exist_ok=True)
        (path / name).write_text(f"{title}\n\n{body}\n")
        return str(path)

    for n, what in enumerate(["his plans", "the poll", "the party's manifesto"]):
        full = story("full", f"{n}.txt", f"Labour day {n}", f"Tony Blair set out {what} today.")
    later = story("later", "budget.txt", "Budget row", "Mr Blair said the budget would help.")
    # The full name first, then the surname; and the other way round.
    for first, then in ((full, later), (later, full)):
        Article.objects.all().delete()
        Entity.objects.all().delete()
        ingest_command(first, "--workers", "1")
        ingest_command(then, "--workers", "1")
        assert [name for name in _people() if "Blair" in name] == ["Tony Blair"]
        assert "Budget row" in stories_of("Tony Blair")


# A topic that names an organization is that organization: one chip, of the right kind.


def test_the_seed_story_shows_islamic_state_once_as_an_organization():
    from ..conftest import SEED
    from ..factories import ingest_command

    ingest_command(str(SEED), "--workers", "1")
    chips = Mention.objects.filter(entity__name__iexact="Islamic State")
    assert list(chips.values_list("entity__kind", flat=True)) == ["organization"]
    # Its other topics stay topics.
    topics = set(
        Mention.objects.filter(entity__kind="topic").values_list("entity__name", flat=True)
    )
    assert {"Syrian civil war", "Human rights"} <= topics


def test_a_topic_rule_the_tagger_missed_comes_as_its_organization():
    story = make_story("War", "Efforts to defeat ISIS go on.", topics=["Islamic State"])
    assert [(m.entity.name, m.entity.kind) for m in story.mentions.all()] == [
        ("Islamic State", "organization")
    ]


def test_a_page_topic_that_a_story_names_as_an_entity_is_one_chip():
    story = make_story(
        "Results", "Apple said sales rose.", topics=["Apple"], entities=[("Apple", "organization")]
    )
    assert [(m.entity.name, m.entity.kind) for m in story.mentions.all()] == [
        ("Apple", "organization")
    ]
    section = make_story(
        "Sport", "Arsenal won.", section="Sport", entities=[("Sport", "organization")]
    )
    assert {m.entity.kind for m in section.mentions.all()} == {"topic", "organization"}


def test_ingest_no_resolve_leaves_resolution_to_retag(tmp_path):
    from ..factories import ingest_command

    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Labour day {n}\n\nTony Blair spoke on day {n}.\n")
    (tmp_path / "budget.txt").write_text("Budget row\n\nMr Blair said the budget would help.\n")
    ingest_command(str(tmp_path), "--workers", "1", "--no-resolve")
    assert {"Tony Blair", "Blair"} <= _people()
    call_command("retag", "--resolve-only", stdout=StringIO())
    assert "Blair" not in _people()
