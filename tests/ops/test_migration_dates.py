"""Migration 0011 clears the implausible dates earlier ingests stored."""

from datetime import UTC, datetime

import pytest
from django.apps import apps as global_apps

from articles.models import Article

from ..factories import make_story

pytestmark = pytest.mark.django_db


def test_implausible_dates_already_stored_are_cleared():
    module = __import__(
        "articles.migrations.0011_implausible_dates", fromlist=["clear_implausible_dates"]
    )
    placeholder = make_story("Placeholder", "Dated year one.", published="0001-01-01")
    future = make_story("Future", "Dated far ahead.", published="2999-01-01")
    real = make_story("Real", "Dated in 1987.", published="1987-02-26")
    module.clear_implausible_dates(global_apps, None)
    dates = dict(Article.objects.values_list("pk", "published_at"))
    assert dates[placeholder.pk] is None and dates[future.pk] is None
    assert dates[real.pk] == datetime(1987, 2, 26, tzinfo=UTC)
    assert Article.objects.get(pk=placeholder.pk).date_precision == "none"
