# How central an entity is to a story, kept on the mention by the database, with an index
# that gives an entity page its most central stories without reading all of them.

import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models
from django.db.models import Exists, OuterRef


def mark_sections(apps, schema_editor):
    """in_section for the stories already stored: the section has the entity's name, as
    the entity page's ranking compared until now."""
    Article = apps.get_model("articles", "Article")
    Mention = apps.get_model("articles", "Mention")
    named = Article.objects.filter(pk=OuterRef("article_id"), section__iexact=OuterRef("entity__name"))
    Mention.objects.filter(Exists(named)).update(in_section=True)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0014_article_public_cluster'),
    ]

    operations = [
        migrations.AddField(
            model_name='mention',
            name='in_section',
            field=models.BooleanField(default=False, help_text="The story's section has the entity's name, when tagged."),
        ),
        migrations.RunPython(mark_sections, migrations.RunPython.noop, elidable=True),
        migrations.AddField(
            model_name='mention',
            name='centrality',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.Case(models.When(in_headline=True, then=4), default=0), '+', models.Case(models.When(in_lede=True, then=2), default=0)), '+', django.db.models.functions.comparison.Least(models.F('count'), models.Value(5))), '+', models.Case(models.When(in_section=True, then=3), default=0)), output_field=models.PositiveSmallIntegerField()),
        ),
        migrations.AddIndex(
            model_name='mention',
            index=models.Index(fields=['entity', '-centrality'], name='mention_entity_central'),
        ),
    ]
