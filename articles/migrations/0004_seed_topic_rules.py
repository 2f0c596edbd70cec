"""Start the archive with the tagging module's built-in topic rules, as editable rows."""

from django.db import migrations
from django.utils.text import slugify


def seed(apps, schema_editor):
    from articles.tagging.topics import DEFAULT_TOPIC_RULES

    Entity = apps.get_model("articles", "Entity")
    TopicRule = apps.get_model("articles", "TopicRule")
    for rule in DEFAULT_TOPIC_RULES:
        topic = Entity.objects.filter(kind="topic", name__iexact=rule.name).first()
        if topic is None:
            topic = Entity.objects.create(kind="topic", name=rule.name, slug=slugify(rule.name))
        if TopicRule.objects.filter(topic=topic).exists():
            continue
        TopicRule.objects.create(
            topic=topic,
            all_terms=", ".join(rule.required),
            any_terms=", ".join(rule.any_of),
            phrases="\n".join(rule.phrases),
            notes="Built-in rule; edit or delete freely.",
        )


def unseed(apps, schema_editor):
    TopicRule = apps.get_model("articles", "TopicRule")
    TopicRule.objects.filter(notes="Built-in rule; edit or delete freely.").delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_curation")]

    operations = [migrations.RunPython(seed, unseed)]
