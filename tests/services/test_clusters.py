"""Story clusters: copies of one syndicated story found at ingest, collapsed in search
with exact counts, shown side by side, split and joined with undo."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command

from articles import clusters, search
from articles.clusters import diff
from articles.models import Article, ClusterEdit, SearchChange, StoryCluster
from articles.search.changes import cluster_document_id
from articles.services import clusters as cluster_services
from articles.services import curation, purge

from ..factories import act, index_now, kept_equals_rebuilt, make_story, messages_of

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
    one = f"NEW YORK, April 7 - Comex zinc ended at 44.20 cents a lb, up 0.40, 412 lots; {tail}"
    two = f"NEW YORK, April 8 - Comex zinc ended at 41.80 cents a lb, down 2.4, 388 lots; {tail}"
    found = clusters.similarity(clusters.fingerprint(one), clusters.fingerprint(two))
    assert not clusters.same_story(found)
    assert clusters.same_story(
        clusters.similarity(clusters.fingerprint(one), clusters.fingerprint(one))
    )


JAIL_BACKGROUND = [
    "The old jail was built in 1962 and was designed for 40 inmates. It has held as many as "
    "95 on busy weekends, and the state inspector has cited it four times for crowding.",
    "Commissioners had asked voters for a larger tax two years ago, but that plan also "
    "included a new courthouse and was rejected by a wide margin in every outlying precinct.",
    "The new building would hold 160 beds and a medical unit, and it would be built on county "
    "land north of the airport, away from the river that flooded the old jail last spring.",
]
VOTE = [
    "RIVERTON, Wyo. - Voters in Fremont County approved a half-cent sales tax on Tuesday to "
    "pay for a new jail, ending a campaign that had split the county's two largest towns.",
    "The measure passed with 58 percent of the vote, according to unofficial results posted "
    "by the county clerk shortly after midnight, with turnout higher than in past elections.",
    *JAIL_BACKGROUND,
]
DAY_AFTER = [
    "RIVERTON, Wyo. - The sheriff of Fremont County said on Wednesday that work on a new jail "
    "could begin next spring, a day after voters agreed to pay for it with a sales tax.",
    *JAIL_BACKGROUND,
    "Sheriff Dana Whitlock said the county would hire an architect this winter and hoped to "
    "move inmates out of the old building, which flooded twice last year, within three years.",
]
QUOTA = (
    "GENEVA, March 3 - The Alpine Dairy Board left its milk quotas unchanged after the regular "
    "monthly meeting of its council, a spokeswoman said in answer to questions.\n\n"
    "The quota for the spring season remains at 4.2 million litres, and the reserve at 0.6 "
    "million litres."
)
PAYOUT = (
    "SPRINGVILLE, Ore., June 4 - Mthly div 4.2 cts vs 4.2 cts prior\n\nPay June 30\n\n"
    "Record June 15\n\nNOTE: Cascade Oregon Insured Municipal Income Fund."
)


def _same(one: str, two: str) -> bool:
    found = clusters.similarity(clusters.fingerprint(one), clusters.fingerprint(two))
    return clusters.same_story(found)


def test_two_reports_of_one_event_sharing_background_stay_apart():
    # Most of the shorter report's text is the background both carry (the old rule joined
    # them); the ledes differ, as another article's do.
    assert not _same(body(VOTE), body(DAY_AFTER))
    vote = wire("Fremont County votes for a jail tax", VOTE, published="2024-11-05")
    after = wire("Sheriff: jail work could start in spring", DAY_AFTER, published="2024-11-06")
    vote.refresh_from_db()
    after.refresh_from_db()
    assert vote.cluster_id is None and after.cluster_id is None


def test_a_daily_notice_repeated_word_for_word_on_another_day_is_another_story():
    assert not _same(QUOTA, QUOTA.replace("March 3", "March 17"))


def test_a_copy_run_the_next_day_still_joins():
    assert _same(QUOTA, QUOTA.replace("March 3", "March 4") + "\n\nThe board meets in April.")
    assert _same(body(VOTE), body([VOTE[0].replace("Tuesday", "Tuesday night"), *VOTE[1:4]]))


def test_a_dateline_date_is_a_month_and_a_day_not_any_word_that_starts_like_one():
    assert clusters.detect.dateline_day("NEW YORK, March 5 - Stocks rose.") == 65
    assert clusters.detect.dateline_day("BOGOTA, Sept. 11 - Coffee fell.") == 255
    for text in ("Mayor 3 candidates met.", "The market 5 pct higher.", "Junior 2 won."):
        assert clusters.detect.dateline_day(text) is None


def test_a_storys_numbers_are_its_words_with_a_digit_in_any_script():
    found = clusters.detect.fingerprint(
        "Profit rose 3.5% to $12m in Q3; ٣ units, B2B deals and 1st."
    )
    assert found.numbers == {"3", "5", "12m", "q3", "٣", "b2b", "1st"}
    assert clusters.detect.fingerprint("No figures at all here.").numbers == frozenset()


def test_band_keys_stay_the_ones_stored_archives_hold():
    # The database holds every story's keys: a change to how they are made would leave
    # an archive's stories unable to find each other until `clusters rebuild`.
    hashes = clusters.detect.fingerprint(" ".join(f"word{i}" for i in range(40))).shingles
    keys = clusters.detect.candidate_keys(hashes)
    assert len(keys) == clusters.detect.KEY_COUNT
    assert keys[:3] == (2420155200154182938, 1076799389014274274, 5119418769272258750)
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert clusters.detect.candidate_keys(frozenset()) == ()


def test_short_notices_that_differ_in_one_name_stay_apart():
    assert not _same(PAYOUT, PAYOUT.replace("Oregon", "Idaho"))
    assert _same(PAYOUT, PAYOUT)


def test_minhash_signatures_are_datasketchs_bit_for_bit():
    datasketch = pytest.importorskip("datasketch")
    rng = random.Random(17)
    for size in (1, 2, 7, 300, 5000):
        hashes = frozenset(rng.getrandbits(64) for _ in range(size))
        expected = datasketch.MinHash(
            num_perm=clusters.detect.NUM_PERM,
            seed=1,
            scheme="affine32",
            hashfunc=lambda value: value & 0xFFFFFFFF,
        )
        expected.update_batch(list(hashes))
        assert clusters.detect.signature(hashes).tolist() == expected.hashvalues.tolist()


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
    assert {trimmed.pk, cluster_document_id(cluster_id)} <= logged
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
    assert "Found 1 cluster holding 4 copies among 5 stories" in out.getvalue()
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

    for story in (trimmed, updated, reordered):
        curation.article_set_public(article=story, is_public=False)
    index_now()
    stories = list(_search(client, q="wildfire").context["stories"])
    assert [s.pk for s in stories] == [original.pk] and stories[0].also_ran == 0
    assert search.get_backend().document_count() == 2


# Deleting copies: the cluster is ranked again, re-read by search, dissolved at one copy.


def _ranks(cluster_id: int) -> dict[int, int]:
    return dict(Article.objects.filter(cluster_id=cluster_id).values_list("pk", "cluster_rank"))


def test_deleting_the_original_re_ranks_its_cluster_and_search_follows(client, copies):

    original, trimmed, updated, reordered, _ = copies
    cluster_id = original.cluster_id
    index_now()
    before = SearchChange.objects.count()
    assert purge.articles_delete(stories=Article.objects.filter(pk=original.pk)) == 1
    assert _ranks(cluster_id) == {trimmed.pk: 0, updated.pk: 1, reordered.pk: 2}
    logged = set(SearchChange.objects.filter(id__gt=before).values_list("article_id", flat=True))
    assert {original.pk, cluster_document_id(cluster_id)} <= logged
    index_now()
    stories = list(_search(client, q="wildfire").context["stories"])
    assert [s.pk for s in stories] == [trimmed.pk] and stories[0].also_ran == 2
    drones = '"keep drones out of the sky"'  # in the original, updated and reordered
    assert _search(client, q=drones).context["result_count"] == 1
    assert _search(client, q=drones, copies="all").context["result_count"] == 2


def test_deleting_all_but_one_copy_dissolves_the_cluster(client, copies):

    original, trimmed, updated, reordered, _other = copies
    cluster_id = original.cluster_id
    index_now()
    purge.articles_delete(stories=Article.objects.filter(pk__in=[original.pk, trimmed.pk]))
    assert StoryCluster.objects.filter(pk=cluster_id).exists()
    purge.articles_delete(stories=Article.objects.filter(pk=updated.pk))
    assert not StoryCluster.objects.filter(pk=cluster_id).exists()
    reordered.refresh_from_db()
    assert (reordered.cluster_id, reordered.cluster_rank) == (None, 0)
    index_now()
    stories = list(_search(client, q="wildfire").context["stories"])
    assert [s.pk for s in stories] == [reordered.pk] and stories[0].also_ran == 0
    assert search.get_backend().document_count() == 2  # reordered and the water law
    assert client.get(f"/clusters/{cluster_id}/").status_code == 404


def test_purging_a_batch_re_ranks_the_clusters_it_leaves(copies):
    from articles.models import IngestBatch

    original, trimmed, updated, reordered, _ = copies
    batch = IngestBatch.objects.create(paths=["test/"], parser_version="1", tagger_version="1")
    Article.objects.filter(pk__in=[original.pk, updated.pk]).update(batch=batch)
    assert purge.batch_purge(batch=batch) == 2
    assert _ranks(trimmed.cluster_id) == {trimmed.pk: 0, reordered.pk: 1}


def test_a_hidden_copy_keeps_its_place_so_showing_it_restores_the_cluster(client, copies):

    original, trimmed, updated, reordered, _ = copies
    for story in (trimmed, updated, reordered):
        curation.article_set_public(article=story, is_public=False)
    assert _ranks(original.cluster_id)[trimmed.pk] == 1  # still a copy, for the curator
    curation.article_set_public(article=trimmed, is_public=True)
    index_now()
    stories = list(_search(client, q="wildfire").context["stories"])
    assert [s.pk for s in stories] == [original.pk] and stories[0].also_ran == 1


def test_admin_delete_re_ranks_the_cluster(admin_client, copies):
    original, trimmed, updated, reordered, _ = copies
    cluster_id = original.cluster_id
    url = f"/admin/articles/article/{original.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert _ranks(cluster_id) == {trimmed.pk: 0, updated.pk: 1, reordered.pk: 2}
    response = admin_client.post(
        "/admin/articles/article/",
        {"action": "delete_selected", "_selected_action": [trimmed.pk, updated.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not StoryCluster.objects.filter(pk=cluster_id).exists()
    assert Article.objects.get(pk=reordered.pk).cluster_id is None


# Browse pages collapse clusters too, with "also ran in N other places".


def _listed(client, url: str, **params) -> list[Article]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return list(response.context["stories"])


def test_browse_pages_list_a_cluster_once(client, copies, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0  # each answer rendered, with its context
    original, trimmed, _updated, _reordered, other = copies
    for url in ("/", "/places/utah/", "/archive/2024/", "/archive/2024/07/"):
        stories = _listed(client, url)
        assert sorted(s.pk for s in stories) == sorted([original.pk, other.pk]), url
        assert {s.pk: s.also_ran for s in stories} == {original.pk: 3, other.pk: 0}
        every = _listed(client, url, copies="all")
        assert len(every) == 5 and all(s.also_ran for s in every if s.pk != other.pk), url
    html = client.get("/places/utah/").content.decode()
    assert "2 stories" in html and "Also ran in 3 other places" in html
    assert f'href="/clusters/{original.cluster_id}/"' in html
    assert "5 stories" in client.get("/places/utah/", {"copies": "all"}).content.decode()
    co = client.get("/places/utah/").context["co_mentioned"]
    # Grouped by kind: (heading, rows) pairs.
    assert [(row["entity__name"], row["count"]) for _, rows in co for row in rows] == [
        ("Spencer Cox", 1)
    ]
    co = client.get("/places/utah/", {"copies": "all"}).context["co_mentioned"]
    assert [(row["entity__name"], row["count"]) for _, rows in co for row in rows] == [
        ("Spencer Cox", 4)
    ]
    # The archive by date lists a cluster on its original's day.
    assert _listed(client, "/archive/2024/07/02/") == []
    assert len(_listed(client, "/archive/2024/07/02/", copies="all")) == 2
    # A source's page lists its own copy: the best ranked of those it ran.
    ksl = trimmed.source.get_absolute_url()
    assert [s.pk for s in _listed(client, ksl)] == [trimmed.pk]


def test_browse_counts_count_a_cluster_once(client, copies):
    years = client.get("/archive/").context["years"]
    assert [(row["year"], row["count"]) for row in years] == [(2024, 2)]
    every = client.get("/archive/", {"copies": "all"}).context["years"]
    assert [(row["year"], row["count"]) for row in every] == [(2024, 5)]
    assert [row["count"] for row in client.get("/").context["years"]] == [2]


def test_cluster_heads_and_collapsed_count_are_the_collapsed_set(copies):
    original, trimmed, updated, _reordered, other = copies
    stories = Article.objects.published()
    by_source = stories.filter(source__name__in=["KSL.com", "Deseret News", "AP"])
    undated = wire("Utah wildfire, undated copy", WIRE[:5], published=None, source="KSL.com")
    undated.refresh_from_db()
    assert undated.cluster_id == original.cluster_id  # ranked last: no date
    for subset in (stories, by_source, stories.exclude(pk=original.pk)):
        collapsed = set(subset.collapsed().values_list("pk", flat=True))
        assert set(subset.cluster_heads().values_list("pk", flat=True)) == collapsed
        assert subset.collapsed_count() == len(collapsed)
    assert set(by_source.cluster_heads().values_list("pk", flat=True)) == {original.pk, other.pk}
    # Without the original, the best ranked copy left stands for the cluster.
    rest = stories.exclude(pk=original.pk).cluster_heads()
    assert set(rest.values_list("pk", flat=True)) == {trimmed.pk, other.pk}
    # Two copies left with one rank (a half-done edit) still give one story, not two.
    Article.objects.filter(pk=updated.pk).update(cluster_rank=trimmed.cluster_rank)
    tied = stories.exclude(pk=original.pk)
    first = min(trimmed.pk, updated.pk)
    assert set(tied.collapsed().values_list("pk", flat=True)) == {first, other.pk}
    assert set(tied.cluster_heads().values_list("pk", flat=True)) == {first, other.pk}
    assert tied.collapsed_count() == 2


def test_a_source_page_counts_its_years_undated_and_total_a_cluster_once(client, copies, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    wire("Utah wildfire, undated copy", WIRE[:5], published=None, source="AP")
    make_story("An undated AP story", "Nothing like the others.", published=None, source="AP")
    collapsed = client.get("/sources/ap/")
    assert [(r["year"], r["count"]) for r in collapsed.context["years"]] == [(2024, 2)]
    assert collapsed.context["undated"] == 1  # the lone one: the copy's cluster is its original's
    assert collapsed.context["paginator"].count == 3 == len(collapsed.context["stories"])
    every = client.get("/sources/ap/", {"copies": "all"})
    assert [(r["year"], r["count"]) for r in every.context["years"]] == [(2024, 2)]
    assert every.context["undated"] == 2 and every.context["paginator"].count == 4
    assert "3 stories in the archive, 1 of them undated" in collapsed.content.decode()


def test_the_home_page_counts_a_cluster_once_with_a_page_of_stories(client, copies, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    assert client.get("/").context["paginator"].count == 2
    assert client.get("/", {"copies": "all"}).context["paginator"].count == 5


@pytest.mark.parametrize("url", ["/", "/places/utah/", "/sources/ap/", "/archive/2024/07/"])
def test_browse_pages_refuse_an_unknown_copies_value(client, copies, url):
    assert client.get(url, {"copies": "some"}).status_code == 400


def test_story_page_links_to_the_versions(client, copies):
    original, trimmed, *_ = copies
    html = client.get(trimmed.get_absolute_url()).content.decode()
    assert "in 3 other places" in html and f"/clusters/{original.cluster_id}/" in html


BROWSE_QUERIES = [
    ("/", 5),
    ("/places/utah/", 10),  # its stories' sources in a query of their own
    ("/sources/ap/", 5),  # ids and dates as its source and as its publisher, then the page
    ("/archive/2024/07/", 5),  # no list of its days: the calendar counts them
    ("/archive/2024/07/01/", 5),
]


@pytest.mark.parametrize(("url", "queries"), BROWSE_QUERIES)
@pytest.mark.parametrize("mode", ["collapsed", "all"])
def test_browse_query_counts_do_not_grow_with_clusters(
    client, copies, url, queries, mode, django_assert_num_queries, settings
):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    with django_assert_num_queries(queries):
        client.get(url, {"copies": mode})
    words = " ".join(OTHER + WIRE).split()
    for n in range(3):  # three more clusters of two copies each, on other stories
        rng = random.Random(n)
        text = [" ".join(rng.choice(words) for _ in range(40)) for _ in range(4)]
        wire(f"Second story {n}", text, published="2024-07-01", source="AP")
        wire(f"Second story {n}, trimmed", text[:3], published="2024-07-01", source="AP")
    assert StoryCluster.objects.count() == 4
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(queries):
        client.get(url, {"copies": mode})


# Curation in the admin: split, join and undo, through the cluster services.


def test_admin_splits_a_copy_out_and_undoes_it(admin_client, copies, admin_user):
    from django.contrib.admin.models import LogEntry

    original, trimmed, *_ = copies
    response = act(admin_client, "article", "split_from_cluster", [trimmed])
    assert "1 story split out" in messages_of(response)[0]
    trimmed.refresh_from_db()
    assert trimmed.cluster_id is None and trimmed.cluster_locked
    edit = ClusterEdit.objects.get()
    assert edit.made_by == admin_user and edit.action == ClusterEdit.Action.SPLIT
    assert LogEntry.objects.filter(object_id=str(trimmed.pk), change_message__contains="Split")
    page = admin_client.get(f"/admin/articles/clusteredit/{edit.pk}/change/")
    assert page.status_code == 200 and "Undo this cluster edit" in page.content.decode()
    response = act(admin_client, "clusteredit", "undo_edit", [edit])
    assert messages_of(response)[0].startswith("Undone")
    trimmed.refresh_from_db()
    assert trimmed.cluster_id == original.cluster_id and not trimmed.cluster_locked
    again = act(admin_client, "clusteredit", "undo_edit", [edit])
    assert "undone already" in messages_of(again)[0]


def test_admin_joins_two_clusters_and_undoes_it(admin_client, copies):

    original, _trimmed, _updated, _reordered, other = copies
    response = act(admin_client, "article", "join_clusters", [original, other])
    assert "Joined 5 copies" in messages_of(response)[0]
    assert Article.objects.get(pk=other.pk).cluster_id == original.cluster_id
    response = act(admin_client, "clusteredit", "undo_edit", [ClusterEdit.objects.get()])
    assert Article.objects.get(pk=other.pk).cluster_id is None
    assert Article.objects.filter(cluster_id=original.cluster_id).count() == 4


def test_admin_says_why_a_split_or_join_cannot_be_made(admin_client, copies):

    original, trimmed, *_, other = copies
    response = act(admin_client, "article", "split_from_cluster", [other])
    assert "in no cluster" in messages_of(response)[0]
    response = act(admin_client, "article", "join_clusters", [original, trimmed])
    assert "in one cluster already" in messages_of(response)[0]
    assert not ClusterEdit.objects.exists()


def test_admin_undo_refuses_an_edit_a_later_one_depends_on(admin_client, copies):

    original, trimmed, *_, other = copies
    act(admin_client, "article", "split_from_cluster", [trimmed])
    act(admin_client, "article", "join_clusters", [trimmed, other])
    split = ClusterEdit.objects.get(action=ClusterEdit.Action.SPLIT)
    response = act(admin_client, "clusteredit", "undo_edit", [split])
    assert "Undo the later edit" in messages_of(response)[0]
    # Both at once: the latest first, so each one succeeds.
    response = act(admin_client, "clusteredit", "undo_edit", list(ClusterEdit.objects.all()))
    assert all(m.startswith("Undone") for m in messages_of(response))
    assert Article.objects.get(pk=trimmed.pk).cluster_id == original.cluster_id


def test_cluster_edits_are_read_only_in_the_admin(admin_client, copies):
    edit = cluster_services.cluster_split(article=copies[1])
    assert admin_client.get("/admin/articles/clusteredit/add/").status_code == 403
    assert admin_client.get(f"/admin/articles/clusteredit/{edit.pk}/delete/").status_code == 403
    form = admin_client.get(f"/admin/articles/article/{copies[0].pk}/change/")
    assert form.status_code == 200
    assert 'name="cluster"' not in form.content.decode()  # moved by the actions only
    assert "3 copies; this one is number 1" in form.content.decode()  # trimmed was split out


def test_a_reader_without_the_change_permission_cannot_split(client, copies, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_article"))
    client.force_login(user)
    response = client.post(
        "/admin/articles/article/",
        {"action": "split_from_cluster", "_selected_action": [copies[1].pk]},
    )
    assert response.status_code < 500
    assert Article.objects.get(pk=copies[1].pk).cluster_id is not None
    assert not ClusterEdit.objects.exists()


def test_entity_story_counts_count_a_cluster_once(client, copies):
    from articles.models import Entity

    counts = dict(Entity.objects.with_story_counts().values_list("name", "story_count"))
    assert counts == {"Spencer Cox": 1, "Utah": 2}
    listed = client.get("/api/entities/", {"q": "utah"}).json()["results"]
    assert [(e["name"], e["story_count"]) for e in listed] == [("Utah", 2)]
    people = client.get("/").context["top_people"]
    assert [(e.name, e.story_count) for e in people] == [("Spencer Cox", 1)]


def test_versions_page_of_copies_with_no_source_or_date(client, copies):
    original, trimmed, *_ = copies
    Article.objects.filter(pk__in=[original.pk, trimmed.pk]).update(
        source=None, publisher=None, published_at=None
    )
    response = client.get(f"/clusters/{original.cluster_id}/", {"a": trimmed.pk})
    assert response.status_code == 200
    assert f"Copy {trimmed.pk}, undated" in response.content.decode()


def test_a_further_copy_rewrites_only_itself_and_its_cluster_in_search(copies):
    from articles.search.documents import documents_for

    original, trimmed, *_ = copies
    before = SearchChange.objects.order_by("-id").first().id
    fifth = wire("Utah fire, in brief", WIRE[:5], published="2024-07-03", source="KUTV")
    recorded = SearchChange.objects.filter(id__gt=before).values_list("article_id", flat=True)
    docs, gone = documents_for(recorded)
    assert sorted(d.id for d in docs) == sorted(
        [fifth.pk, cluster_document_id(original.cluster_id)]
    )
    assert gone == []
    # At two public copies a change can move the cluster in or out of the collapsed view:
    # every copy is written again then.
    for story in Article.objects.filter(cluster_id=original.cluster_id).exclude(
        pk__in=[original.pk, trimmed.pk]
    ):
        curation.article_set_public(article=story, is_public=False)
    docs, gone = documents_for([trimmed.pk])
    assert {d.id for d in docs} == {
        original.pk,
        trimmed.pk,
        cluster_document_id(original.cluster_id),
    }


def test_related_stories_show_a_cluster_once_however_many_of_its_copies_rank_first(
    copies, monkeypatch
):
    """The copies of one cluster can fill the best matches of a story like them; each
    cluster is still listed once (by its original), and the list is as long as asked.
    Ranking only as many as asked at first lets the copies fill them, so the search must
    ask again for more."""
    from articles.search.backends import tantivy_backend

    monkeypatch.setattr(tantivy_backend, "RELATED_OVERFETCH", 1)
    original = copies[0]
    index_now()
    neighbour = wire(
        "Wildfire smoke reaches Salt Lake City",
        [
            "Air quality alerts were issued for the valley on Tuesday as smoke drifted in.",
            "Doctors told people with asthma to stay indoors and to keep windows shut.",
            "Schools moved recess inside, and two outdoor concerts were called off.",
            WIRE[1],
        ],
        published="2024-07-03",
        source="Tribune",
        entities=[("Utah", "place")],
    )
    index_now()
    assert neighbour.cluster_id is None or neighbour.cluster_id != original.cluster_id
    for limit in (1, 2):
        related = search.related_ids(neighbour, limit=limit)
        assert related[0] == original.pk
        assert len(related) == len(set(related)) == limit
        copy_ids = {story.pk for story in copies[1:4]}
        assert not copy_ids & set(related)


def _invented_archive() -> list:
    """Invented copies of two wire stories, arriving mixed with others, one story
    changed part-way (the same file again, with another text) and one too short."""
    from ..factories import story_parsed

    def p(title, paragraphs, published, source, path=None):
        return story_parsed(title, body(paragraphs), published=published, source=source, path=path)

    rng = random.Random(17)
    vocabulary = " ".join(WIRE + OTHER).split()
    noise = [" ".join(rng.choice(vocabulary) for _ in range(60)) for _ in range(2)]
    return [
        p("Wildfire forces evacuations in Utah", WIRE, "2024-07-01", "AP"),
        p("Utah water law takes effect", OTHER, "2024-07-01", "AP", "test/water.txt"),
        p("Utah wildfire grows", WIRE[:4], "2024-07-01", "KSL.com"),
        p("Fire grows", [*WIRE[:3], "More details later.", *WIRE[3:]], "2024-07-02", "Deseret"),
        p("Water law in brief", OTHER[:3], "2024-07-02", "KSL.com"),
        p("Fire, reordered", [WIRE[0], WIRE[3], WIRE[1], WIRE[5], WIRE[2], WIRE[4]], None, "Fox"),
        p(
            "Utah water law takes effect",
            [*OTHER[:3], "A changed end."],
            "2024-07-01",
            "AP",
            "test/water.txt",
        ),
        p("Brief", ["Fire grows in Utah."], "2024-07-02", "KUTV"),
        p("Fire, in brief", WIRE[:5], "2024-07-03", "KUTV"),
        p("Noise", [noise[0]], "2024-07-03", "KUTV"),
        p("Water law, again", OTHER, "2024-07-04", "Fox"),
        p("Noise again", [noise[1]], "2024-07-04", "Fox"),
    ]


def _clusters_as_stored() -> tuple:
    """Every story's cluster (by its copies' paths), rank and keys: what ingest decided."""
    from articles.models import ClusterKey

    paths = dict(Article.objects.values_list("pk", "source_path"))
    members: dict = {}
    for pk, cluster_id in Article.objects.values_list("pk", "cluster_id"):
        members.setdefault(cluster_id, set()).add(paths[pk])
    keys: dict = {}
    for pk, key in ClusterKey.objects.values_list("article_id", "key"):
        keys.setdefault(paths[pk], []).append(key)
    return (
        sorted(
            (path, tuple(sorted(members[cluster])) if cluster else None, rank, locked)
            for path, cluster, rank, locked in Article.objects.values_list(
                "source_path", "cluster_id", "cluster_rank", "cluster_locked"
            )
        ),
        {path: sorted(found) for path, found in keys.items()},
        StoryCluster.objects.count(),
    )


@pytest.mark.parametrize("group", [1, 3, 5, 12])
def test_a_group_finds_the_clusters_one_story_at_a_time_finds(db, group):
    from articles.services import ingest

    stories = _invented_archive()
    for parsed in stories:
        ingest.article_ingest(parsed=parsed)
    alone = _clusters_as_stored()
    assert sum(1 for _, cluster, _, _ in alone[0] if cluster) == 8  # the test has copies
    Article.objects.all().delete()
    StoryCluster.objects.all().delete()
    cache = ingest.IngestCache.prepared()
    for start in range(0, len(stories), group):
        results = ingest._group_store(
            [(p.path, p, None) for p in stories[start : start + group]], batch=None, cache=cache
        )
        assert all(not isinstance(result, str) for _, result in results)
    assert _clusters_as_stored() == alone


def test_a_groups_clusters_take_the_same_queries_however_many_stories(db, settings):
    """And on PostgreSQL the same statements: an executemany there is a statement a row
    (a group's thousand keys), each parsed and planned by the server."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_statements(execute, sql, params, many, context):
        statements[-1] += len(params) if many else 1
        return execute(sql, params, many, context)

    original = make_story("Wildfire forces evacuations in Utah", body(WIRE), source="AP")
    counts, statements = [], []
    for size in (2, 8):
        settings.NEWSARCHIVE_CLUSTERS = False  # stored without clusters, then decided here
        new = [
            make_story(
                f"Copy {size}-{n}",
                body([*WIRE[1 + n % 2 :], f"Copy {size}-{n} of the story."]),
                source=f"Site {n}",
            )
            for n in range(size)
        ]
        settings.NEWSARCHIVE_CLUSTERS = True
        later = cluster_services.ClusterBatch()
        for story in new:
            later.add(article=story)
        statements.append(0)
        with (
            CaptureQueriesContext(connection) as queries,
            connection.execute_wrapper(count_statements),
        ):
            later.flush()
        counts.append(len(queries))
        original.refresh_from_db()
        assert {story.cluster_id for story in new} == {original.cluster_id} != {None}
        Article.objects.filter(pk__in=[story.pk for story in new]).delete()
        cluster_services.clusters_settle(cluster_ids=[original.cluster_id])
    assert counts[0] == counts[1]
    if connection.vendor == "postgresql":
        assert statements[0] == statements[1] == counts[0]
    else:  # SQLite's executemany runs in process: a row each, no round trips
        assert statements[0] < statements[1]


def _big_cluster(size: int) -> StoryCluster:
    """A cluster of `size` public copies, as bare rows (ranked as ingest ranks them)."""
    from ..factories import make_article

    cluster = StoryCluster.objects.create()
    for n in range(size):
        make_article(f"Copy {n} of the fire story", body(WIRE[: 2 + n % 5]), cluster=cluster)
    cluster_services.clusters_settle(cluster_ids=[cluster.pk])
    return cluster


def _copies_on_page(response) -> list[int]:
    return [copy.pk for copy in response.context["copies"]]


def test_versions_page_lists_a_big_cluster_page_by_page_with_exact_counts(client, db):
    from articles.vocabulary import COPIES_PAGE_SIZE

    size = 2 * COPIES_PAGE_SIZE + 7
    cluster = _big_cluster(size)
    url = f"/clusters/{cluster.pk}/"
    first = client.get(url)
    html = first.content.decode()
    assert f"One story, {size} copies" in html
    assert len(_copies_on_page(first)) == COPIES_PAGE_SIZE
    assert f"{size - COPIES_PAGE_SIZE} more copies" in html and "?page=2#copies" in html
    assert html.count('class="headline"') == COPIES_PAGE_SIZE  # each copy rendered once
    seen = []
    for page in (1, 2, 3):
        response = client.get(url, {"page": page})
        assert response.status_code == 200
        seen += _copies_on_page(response)
    assert "more cop" not in response.content.decode()  # the last page has no more
    ranked = list(
        Article.objects.filter(cluster=cluster)
        .order_by("cluster_rank", "id")
        .values_list("pk", flat=True)
    )
    assert seen == ranked  # every copy once, in rank order, across the pages
    # A copy listed on the last page compared from the first: kept in the form.
    response = client.get(url, {"a": ranked[0], "b": ranked[-1]})
    assert response.status_code == 200
    assert response.context["right"].pk == ranked[-1]
    assert f'<input type="hidden" name="b" value="{ranked[-1]}">' in response.content.decode()


def test_versions_page_takes_the_same_queries_for_3_copies_as_for_300(client, db):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 300):
        cluster = _big_cluster(size)
        last = Article.objects.filter(cluster=cluster).order_by("-cluster_rank").first()
        for params in ({}, {"page": (size - 1) // 50 + 1, "a": last.pk}):
            cache.clear()  # the page rendered, not the page cache's copy of it
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/clusters/{cluster.pk}/", params).status_code == 200
            counts.append(len(queries))
    assert counts[0] > 2  # the view's own queries were counted
    assert counts[:2] == counts[2:]


@pytest.mark.parametrize("page", ["0", "4", "x", "-1"])
def test_versions_page_refuses_a_page_it_does_not_have(client, db, page):
    cluster = _big_cluster(60)
    assert client.get(f"/clusters/{cluster.pk}/", {"page": page}).status_code == 404


def test_a_group_whose_clusters_cannot_be_written_is_stored_story_by_story(db, monkeypatch):
    from django.db import OperationalError

    from articles.services import ingest

    stories = _invented_archive()
    for parsed in stories:
        ingest.article_ingest(parsed=parsed)
    alone = _clusters_as_stored()
    Article.objects.all().delete()
    StoryCluster.objects.all().delete()
    real, calls = cluster_services.clusters_assign_new, []

    def fails_once(*, stories, logged=frozenset()):
        calls.append(len(stories))
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(stories=stories, logged=logged)

    monkeypatch.setattr(cluster_services, "clusters_assign_new", fails_once)
    results = ingest._group_store(
        [(p.path, p, None) for p in stories], batch=None, cache=ingest.IngestCache.prepared()
    )
    assert all(not isinstance(result, str) for _, result in results)
    assert calls[0] > 1  # the group's first try, then each story on its own
    assert _clusters_as_stored() == alone


def test_the_workers_fingerprint_is_the_stored_bodys(db):
    """Ingest takes each story's fingerprint from the parse workers: it must be the one
    detection computes from the stored body (which is stripped), and only with
    detection on."""
    from articles import pipeline
    from articles.ingest import Input
    from articles.services import ingest

    text = f"Wildfire forces evacuations in Utah\n\n\n   {body(WIRE)}   \n\n\n"
    item = Input(name="wire.txt", data=text.encode())
    (found,) = pipeline.process_chunk([item], pipeline.Options(tag=False, fingerprint=True))
    stored = ingest.article_ingest(parsed=found.story, fingerprint=found.fingerprint).article
    assert found.fingerprint == clusters.fingerprint(Article.objects.get(pk=stored.pk).body)
    (plain,) = pipeline.process_chunk([item], pipeline.Options(tag=False))
    assert plain.fingerprint is None


def test_the_ingest_command_joins_copies_with_the_workers_fingerprints(db, tmp_path):
    for name, paragraphs in (
        ("original", WIRE),
        ("trimmed", WIRE[:4]),
        ("reordered", [WIRE[0], WIRE[3], WIRE[1], WIRE[5], WIRE[2], WIRE[4]]),
        ("other", OTHER),
    ):
        (tmp_path / f"{name}.txt").write_text(f"Story {name}\n\n{body(paragraphs)}\n")
    call_command("ingest", str(tmp_path), "--no-tagging", "--workers", "1", stdout=StringIO())
    cluster_of = dict(Article.objects.values_list("source_path", "cluster_id"))
    by_name = {path.rsplit("/", 1)[-1]: cluster for path, cluster in cluster_of.items()}
    assert by_name["original.txt"] is not None
    assert by_name["trimmed.txt"] == by_name["reordered.txt"] == by_name["original.txt"]
    assert by_name["other.txt"] is None


def test_copies_joining_one_cluster_in_a_group_write_its_document_once(db, monkeypatch):
    """Three copies stored in one ingest group join the original's cluster: the change
    log names each story and the cluster's collapsed document once, the indexer writes it once, and
    the index answers as one rebuilt from scratch does."""
    from articles.search.backends.base import Filters, SearchRequest
    from articles.search.backends.tantivy_backend import TantivyBackend
    from articles.services import ingest

    from ..factories import story_parsed

    original = wire("Wildfire forces evacuations in Utah", WIRE, source="AP")
    index_now()
    before = SearchChange.objects.order_by("-id").first().id
    group = [
        story_parsed("Utah wildfire grows", body(WIRE[:4]), source="KSL.com", path="t.txt"),
        story_parsed("Fire, in brief", body(WIRE[:5]), source="KUTV", path="b.txt"),
        story_parsed(
            "Fire forces 900 homes to evacuate",
            body([WIRE[0], WIRE[3], WIRE[1], WIRE[5], WIRE[2], WIRE[4]]),
            source="Fox 13",
            path="r.txt",
        ),
    ]
    results = ingest._group_store(
        [(p.path, p, None) for p in group], batch=None, cache=ingest.IngestCache.prepared()
    )
    assert all(not isinstance(result, str) for _, result in results)
    original.refresh_from_db()
    assert original.cluster_id is not None
    assert Article.objects.filter(cluster_id=original.cluster_id).count() == 4
    document = cluster_document_id(original.cluster_id)
    logged = SearchChange.objects.filter(id__gt=before).values_list("article_id", flat=True)
    assert list(logged).count(document) == 1
    # Each once: a copy's own entry, made as it was stored, covers its cluster too.
    copies = [result.article.pk for _, result in results]
    assert sorted(logged) == sorted([document, original.pk, *copies])

    written: list[int] = []
    apply = TantivyBackend.apply

    def counted(self, *, upserts, deletes, state):
        written.extend(doc.id for doc in upserts)
        return apply(self, upserts=upserts, deletes=deletes, state=state)

    monkeypatch.setattr(TantivyBackend, "apply", counted)
    index_now()
    assert written.count(document) == 1
    # Each once: the cluster, the three copies, and the original (now in a cluster).
    assert sorted(written) == sorted([document, original.pk, *copies])

    requests = [
        SearchRequest(query=search.parse("wildfire"), limit=50, facets=search.FACETS),
        SearchRequest(query=search.parse("wildfire"), limit=50, filters=Filters(every_copy=True)),
        SearchRequest(limit=50, facets=search.FACETS, sort="oldest"),
    ]
    kept = kept_equals_rebuilt(requests)
    assert kept[0].total == 1 and kept[1].total == 4
