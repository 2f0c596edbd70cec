"""Resolution across the archive, its curator overrides, the review list and trust."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles import review
from articles.models import Entity, MergeRecord
from articles.services import curation, resolve

from .factories import make_story

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
        "The Lib Dems are set for their best results ever, Ed Davey said on Monday. "
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
