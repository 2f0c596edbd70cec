from django.contrib import admin
from django.db.models import Count

from .models import Article, ArticleVersion, Entity, EntityAlias, IngestBatch, Mention, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "homepage"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    autocomplete_fields = ["entity"]
    fields = ["entity", "count", "surface", "in_headline", "in_lede", "salience"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published_at", "is_public", "entity_count"]
    list_filter = ["is_public", "source", "section", "batch"]
    list_select_related = ["source"]
    search_fields = ["title", "byline", "body"]
    date_hierarchy = "published_at"
    readonly_fields = ["content_hash", "created_at", "updated_at", "raw_input", "batch"]
    raw_id_fields = ["source", "publisher"]
    inlines = [MentionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entity_count=Count("mentions"))

    @admin.display(ordering="entity_count", description="entities")
    def entity_count(self, obj: Article) -> int:
        return obj.entity_count


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    extra = 1
    fields = ["name"]


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "story_count", "alias_count"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [EntityAliasInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                story_count=Count("mentions", distinct=True),
                alias_count=Count("aliases", distinct=True),
            )
        )

    @admin.display(ordering="story_count", description="stories")
    def story_count(self, obj: Entity) -> int:
        return obj.story_count

    @admin.display(ordering="alias_count", description="aliases")
    def alias_count(self, obj: Entity) -> int:
        return obj.alias_count


@admin.register(EntityAlias)
class EntityAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "entity"]
    list_select_related = ["entity"]
    search_fields = ["name", "entity__name"]
    list_filter = ["entity__kind"]
    autocomplete_fields = ["entity"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["entity", "article", "count", "salience", "in_headline", "in_lede"]
    list_select_related = ["entity", "article"]
    list_filter = ["entity__kind", "in_headline", "in_lede"]
    search_fields = ["entity__name", "article__title"]
    autocomplete_fields = ["entity"]
    raw_id_fields = ["article"]


@admin.register(IngestBatch)
class IngestBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
    ]
    list_filter = ["parser_version", "tagger_version"]
    search_fields = ["paths"]
    readonly_fields = [f.name for f in IngestBatch._meta.fields]


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):
    list_display = ["title", "article", "replaced_at"]
    list_select_related = ["article"]
    search_fields = ["title", "article__title"]
    list_filter = ["replaced_at"]
    raw_id_fields = ["article", "batch"]
