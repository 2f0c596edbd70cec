"""Story clusters: copies of one syndicated story found at ingest, collapsed in search
with exact counts, shown side by side, split and joined with undo."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from articles import cluster_services, clusters, search
from articles.clusters import diff
from articles.models import Article, ClusterEdit, SearchChange, StoryCluster
from articles.search.changes import cluster_document_id

from .factories import index_now, make_story

pytestmark = pytest.mark.django_db

WIRE = [
    "SALT LAKE CITY (AP) — A wildfire that forced the evacuation of two mountain towns "
    "grew to more than 12,000 acres overnight, fire officials said on Monday morning.",
    "Crews from four states were working steep terrain east of the reservoir, where gusts "
    "of 40 mph pushed the flames across the highway late on Sunday afternoon.",
    "The sheriff's office said about 900 homes had been evacuated and that no injuries had "
    "been reported, though a barn and several sheds were destroyed near the canyon mouth.",
    "Utah Gov. Spencer Cox declared a state of emergency, freeing money for the response and "
    "allowing the state to request help from the National Guard if it becomes necessary.",
    "Forecasters expected cooler air and a chance of rain by Wednesday, which firefighters "
    "hoped would let them build containment lines along the ridge above the towns.",
    "The cause of the fire was under investigation. Officials asked residents to stay away "
    "from the area and to keep drones out of the sky so that aircraft could keep flying.",
]
OTHER = [
    "SALT LAKE CITY (AP) — A new state law on water use took effect on Monday, requiring "
    "cities to report how much water their parks and golf courses draw each summer month.",
    "Lawmakers passed the measure in March after two years of drought left the Great Salt "
    "Lake at its lowest level on record and exposed miles of dusty lake bed to the wind.",
    "Supporters said the reports would show where conservation money does the most good, "
    "while some rural mayors said the paperwork would fall hardest on small towns.",
    "The state's water resources division will publish the first figures next spring, and "
    "officials said a wet winter would not change the need for long-term planning there.",
]


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def wire(title: str, paragraphs: list[str], **kwargs) -> Article:
    kwargs.setdefault("entities", [("Spencer Cox", "person"), ("Utah", "place")])
    return make_story(title, body(paragraphs), **kwargs)


@pytest.fixture
def copies():
    """The AP story as four sites ran it, and an unrelated AP story on the same topic."""
    original = wire(
        "Wildfire forces evacuations in Utah", WIRE, published="2024-07-01", source="AP"
    )
    trimmed = wire("Utah wildfire grows", WIRE[:4], published="2024-07-01", source="KSL.com")
    updated = wire(
        "Utah wildfire grows to 12,000 acres; governor declares emergency",
        [*WIRE[:3], "Officials said more details would be released later.", *WIRE[3:]],
        published="2024-07-02",
        source="Deseret News",
    )
    reordered = wire(
        "Fire forces 900 homes to evacuate",
        [WIRE[0], WIRE[3], WIRE[1], WIRE[5], WIRE[2], WIRE[4]],
        published="2024-07-02",
        source="Fox 13",
    )
    other = make_story(
        "Utah water law takes effect",
        body(OTHER),
        published="2024-07-01",
        source="AP",
        entities=[("Utah", "place")],
    )
    for story in (original, trimmed, updated, reordered, other):
        story.refresh_from_db()
    return original, trimmed, updated, reordered, other


def test_invented_copies_join_one_cluster_and_the_other_story_does_not(copies):
    original, trimmed, updated, reordered, other = copies
    assert original.cluster_id is not None
    assert {trimmed.cluster_id, updated.cluster_id, reordered.cluster_id} == {original.cluster_id}
    assert other.cluster_id is None
    ranks = dict(
        Article.objects.filter(cluster_id=original.cluster_id).values_list("pk", "cluster_rank")
    )
    assert ranks[original.pk] == 0  # the earliest dated and the most complete of that day
    assert sorted(ranks.values()) == [0, 1, 2, 3]


def test_detector_keeps_template_reports_apart():
    tail = "May delivery led the gains as dealers covered short positions before the holiday."
    one = (
        f"NEW YORK, April 7 - Comex aluminum closed at 61.50 cents a lb, up 0.40, 412 lots; {tail}"
    )
    two = (
        f"NEW YORK, April 8 - Comex aluminum closed at 59.10 cents a lb, down 2.4, 388 lots; {tail}"
    )
    found = clusters.similarity(clusters.fingerprint(one), clusters.fingerprint(two))
    assert not clusters.same_story(found)
    assert clusters.same_story(
        clusters.similarity(clusters.fingerprint(one), clusters.fingerprint(one))
    )


def test_reingest_is_idempotent(copies):
    _original, trimmed, *_ = copies
    before = list(Article.objects.order_by("pk").values_list("pk", "cluster_id", "cluster_rank"))
    again = wire("Utah wildfire grows", WIRE[:4], published="2024-07-01", source="KSL.com")
    assert again.pk == trimmed.pk
    assert (
        list(Article.objects.order_by("pk").values_list("pk", "cluster_id", "cluster_rank"))
        == before
    )
    assert StoryCluster.objects.count() == 1


def _search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def test_search_collapses_a_cluster_and_counts_it_once(client, copies):
    original, trimmed, updated, reordered, _other = copies
    index_now()
    collapsed = _search(client, q="wildfire")
    stories = list(collapsed.context["stories"])
    assert [s.pk for s in stories] == [original.pk]
    assert stories[0].also_ran == 3
    assert "Also ran in 3 other places" in collapsed.content.decode()
    every = _search(client, q="wildfire", copies="all")
    assert {s.pk for s in every.context["stories"]} == {
        original.pk,
        trimmed.pk,
        updated.pk,
        reordered.pk,
    }
    utah = {key: values for key, _, values, _ in _search(client, q="utah").context["facets"]}
    assert {v["name"]: v["count"] for v in utah["place"]} == {"Utah": 2}  # the cluster and the law
    utah_all = {k: v for k, _, v, _ in _search(client, q="utah", copies="all").context["facets"]}
    assert {v["name"]: v["count"] for v in utah_all["place"]} == {"Utah": 5}


@pytest.mark.parametrize("mode", ["collapsed", "all"])
def test_every_facet_count_is_the_filtered_total(client, copies, mode):
    index_now()
    response = _search(client, q="utah", copies=mode)
    checked = 0
    for key, _, values, _ in response.context["facets"]:
        for value in values:
            filtered = _search(client, q="utah", copies=mode, **{key: value["slug"]})
            assert filtered.context["result_count"] == value["count"], (key, value)
            checked += 1
    assert checked >= 4


def test_a_search_for_words_only_a_copy_has_finds_the_cluster_and_that_copy(client, copies):
    _, _, updated, _, _ = copies
    index_now()
    collapsed = list(_search(client, q='"more details would be released"').context["stories"])
    assert len(collapsed) == 1 and collapsed[0].also_ran == 3
    every = list(
        _search(client, q='"more details would be released"', copies="all").context["stories"]
    )
    assert [s.pk for s in every] == [updated.pk]


def test_versions_page_lists_copies_and_diffs_two(client, copies):
    original, _trimmed, updated, *_ = copies
    response = client.get(f"/clusters/{original.cluster_id}/", {"a": original.pk, "b": updated.pk})
    assert response.status_code == 200
    assert next(c.pk for c in response.context["copies"]) == original.pk
    assert response.context["changes"]["added"] == 1
    html = response.content.decode()
    assert "KSL.com" in html and "Deseret News" in html
    assert "diff-added" in html


@pytest.mark.parametrize("query", [{"a": "x"}, {"a": "999999"}, {"b": "-1"}])
def test_versions_page_refuses_a_copy_not_in_the_cluster(client, copies, query):
    response = client.get(f"/clusters/{copies[0].cluster_id}/", query)
    assert response.status_code == 400


def test_versions_page_of_an_unknown_cluster_is_404(client, db):
    assert client.get("/clusters/424242/").status_code == 404


def test_diff_marks_changed_words_and_escapes_markup():
    rows = diff.paragraphs(
        ["The <b>fire</b> grew overnight.", "Same."],
        ["The <b>fire</b> spread overnight.", "Same.", "New."],
    )
    assert [r.kind for r in rows] == ["changed", "same", "added"]
    assert "<del>grew</del>" in rows[0].left and "<ins>spread</ins>" in rows[0].right
    assert "&lt;b&gt;" in rows[0].left and "<b>" not in rows[0].left


def test_split_and_join_with_undo_record_search_changes(copies):
    original, trimmed, _updated, _reordered, other = copies
    cluster_id = original.cluster_id
    before = SearchChange.objects.count()
    edit = cluster_services.cluster_split(article=trimmed)
    trimmed.refresh_from_db()
    assert trimmed.cluster_id is None and trimmed.cluster_locked
    logged = set(SearchChange.objects.filter(id__gt=before).values_list("article_id", flat=True))
    assert {trimmed.pk, original.pk, cluster_document_id(cluster_id)} <= logged
    # Later ingests and a rebuild leave a curator's split alone.
    call_command("clusters", "rebuild", stdout=__import__("io").StringIO())
    trimmed.refresh_from_db()
    assert trimmed.cluster_id is None
    cluster_services.cluster_edit_undo(edit=edit)
    trimmed.refresh_from_db()
    assert trimmed.cluster_id is not None
    assert trimmed.cluster_id == Article.objects.get(pk=original.pk).cluster_id

    join = cluster_services.cluster_join(stories=[original, other])
    other.refresh_from_db()
    assert other.cluster_id == Article.objects.get(pk=original.pk).cluster_id
    with pytest.raises(cluster_services.ClusterError):
        cluster_services.cluster_join(stories=[original, other])
    cluster_services.cluster_edit_undo(edit=join)
    other.refresh_from_db()
    assert other.cluster_id is None
    with pytest.raises(cluster_services.ClusterError):
        cluster_services.cluster_edit_undo(edit=join)
    assert ClusterEdit.objects.filter(undone_at__isnull=False).count() == 2


def test_rebuild_finds_the_same_clusters_as_ingest(copies, settings):
    _original, _trimmed, _updated, _reordered, other = copies
    Article.objects.update(cluster=None, cluster_rank=0)
    StoryCluster.objects.all().delete()
    out = __import__("io").StringIO()
    call_command("clusters", "rebuild", "--dry-run", stdout=out)
    assert StoryCluster.objects.count() == 0
    call_command("clusters", "rebuild", stdout=out)
    assert "1 cluster" in out.getvalue()
    ids = set(
        Article.objects.filter(pk__in=[s.pk for s in copies]).values_list("cluster_id", flat=True)
    )
    assert len(ids - {None}) == 1
    assert Article.objects.get(pk=other.pk).cluster_id is None


def test_api_carries_cluster_and_copies(client, copies):
    original, trimmed, *_ = copies
    data = client.get(f"/api/stories/{trimmed.pk}/").json()
    assert data["cluster"]["id"] == original.cluster_id
    assert {c["id"] for c in data["copies"]} >= {original.pk}
    index_now()
    listed = client.get("/api/stories/", {"q": "wildfire"}).json()
    assert [r["cluster"]["also_ran"] for r in listed["results"]] == [3]


def test_search_hides_a_hidden_copy_from_the_cluster(client, copies):
    original, trimmed, updated, reordered, _ = copies
    from articles import services

    for story in (trimmed, updated, reordered):
        services.article_set_public(article=story, is_public=False)
    index_now()
    stories = list(_search(client, q="wildfire").context["stories"])
    assert [s.pk for s in stories] == [original.pk] and stories[0].also_ran == 0
    assert search.get_backend().document_count() == 2
