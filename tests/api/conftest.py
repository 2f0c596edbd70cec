"""The small archive the API's tests and its schemathesis run share."""

import pytest

from articles.models import Article, Entity, EntityAlias

from ..factories import make_story


@pytest.fixture
def archive():
    blair = make_story(
        "Blair wins third term",
        "Tony Blair won a third term for Labour.",
        published="2005-05-06",
        entities=[("Tony Blair", "person"), ("Labour", "organization"), ("London", "place")],
        topics=["Politics"],
    )
    Article.objects.filter(pk=blair.pk).update(
        byline="Nick Assinder",
        disclaimer="For personal use only.",
        copyright="© BBC",
        url="https://news.example/blair",
        read_time_min=2,
        read_time_max=3,
    )
    brown = make_story(
        "Budget day",
        "Gordon Brown presents the budget. Tony Blair listens.",
        published="2004-03-17",
        entities=[("Gordon Brown", "person"), ("Tony Blair", "person")],
        topics=["Politics"],
    )
    cocoa = make_story(
        "Cocoa review", "Showers in Bahia.", published="1987-05-06", source="Reuters"
    )
    undated = make_story("Undated note", "A story with no date.", published=None)
    hidden = make_story(
        "Hidden story about Tony Hidden",
        "Tony Hidden and Tony Blair met in secret.",
        published="2006-01-01",
        entities=[("Tony Hidden", "person"), ("Tony Blair", "person")],
    )
    Article.objects.filter(pk=hidden.pk).update(is_public=False)
    EntityAlias.objects.create(entity=Entity.objects.get(name="Tony Blair"), name="Bliar")
    return {"blair": blair, "brown": brown, "cocoa": cocoa, "undated": undated, "hidden": hidden}
