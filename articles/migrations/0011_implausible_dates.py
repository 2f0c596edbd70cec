"""Dates a story cannot have (before 1700, or in the future: a placeholder such as
1 January 0001) were stored as fact by earlier ingests; ingest now refuses them, and this
clears the ones already stored, so they are not shown as "Published" or listed as year 1."""

from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import Q


def clear_implausible_dates(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    earliest = datetime(1700, 1, 1, tzinfo=UTC)
    latest = datetime.now(UTC) + timedelta(days=2)
    Article.objects.filter(Q(published_at__lt=earliest) | Q(published_at__gt=latest)).update(
        published_at=None, date_precision="none"
    )
    Article.objects.filter(
        Q(updated_at_source__lt=earliest) | Q(updated_at_source__gt=latest)
    ).update(updated_at_source=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_ingestbatch_duplicate")]

    operations = [migrations.RunPython(clear_implausible_dates, migrations.RunPython.noop)]
