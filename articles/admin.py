"""The curation admin. Every change beyond a plain form save goes through articles.services,
and every action is written to the admin log (who, when, what).

- Stories: search title, body and byline; filter by source, section, public, batch, whether
  there is a date, and year. Actions: hide, make public, re-tag (rebuild the mentions from
  the stored story), re-parse (from the stored raw input; a story whose input no longer
  parses is left as it was).
- Entities: merge (choose the survivor on a confirmation page; needs the change *and* delete
  entity permissions), change kind (merges when that kind already has the name), and, on
  entity aliases, split an alias out into an entity of its own. A merged or re-kinded
  entity's old URL answers 301 with its new one (EntityRedirect). Each merge leaves a merge
  record; "Undo selected merges" restores the removed entities with their aliases and
  mentions (stories deleted since are skipped and counted).
- Topic rules: terms that tag a story with a topic, with a count of the stories a saved
  rule matches.
- Ingest batches: counts and errors; purge deletes the stories a batch stored
  (also `manage.py purge_batch ID [--dry-run]`).
- Sources: rename, or merge duplicates (stories' source and publisher follow).
- Story clusters: on stories, split a copy out of its cluster, or join stories and their
  clusters into one; each leaves a cluster edit, which "Undo selected cluster edits" puts
  back (the latest first). Deleting a story re-ranks its cluster (services/purge.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from .ingest.types import IngestError
from .models import (
    Article,
    ArticleVersion,
    ClusterEdit,
    Entity,
    EntityAlias,
    EntityRedirect,
    IngestBatch,
    Mention,
    MergeRecord,
    Source,
    TopicRule,
    normalize_alias,
)
from .services import clusters as cluster_services
from .services import curation, purge, retag
from .services.curation import CurationError
from .vocabulary import KIND_URL_PREFIX

# The admin speaks of what the site shows: curation of the archive's stories.
admin.site.site_header = "newsarchive curation"
admin.site.site_title = "newsarchive curation"
admin.site.index_title = "Curate the archive"


def count_of(model: type[models.Model], field: str) -> Coalesce:
    """`model` rows pointing at the outer row through `field`, as a correlated subquery.

    Subqueries keep changelists to one query without a GROUP BY over every column.
    """
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


def log(request, objects: Iterable[models.Model], message: str, flag: int = CHANGE) -> None:
    """Write one admin log entry per object (for deletions, call it with the objects in hand)."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=list(objects),
        action_flag=flag,
        change_message=message,
    )


def confirmation(
    model_admin: admin.ModelAdmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    template: str,
    form: forms.Form | None = None,
    **context,
) -> TemplateResponse:
    """An intermediate page that posts the action back, with the selection, once confirmed."""
    opts = model_admin.model._meta
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "form": form,
            "media": model_admin.media + (form.media if form else forms.Media()),
            **context,
        },
    )


# Addresses typed without a scheme are https (Django 6's default; 5.2 warns otherwise).
URL_FIELDS: dict[type[models.Field], dict[str, object]] = {
    models.URLField: {"assume_scheme": "https"}
}


class SurvivorForm(forms.Form):
    """Which of the selected objects survives a merge."""

    keep: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, widget=forms.RadioSelect, empty_label=None, label="Keep"
    )

    def __init__(self, *args, choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = choices  # type: ignore[attr-defined]  # a ModelChoiceField


# Sources


class ReadOnlyAdminMixin:
    """Audit records (ingest batches, merge records, the admin log): staff may read them
    and run their actions (purge, undo), never add, edit or delete them by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MergePermissionMixin:
    """The "merge" action permission: merging changes one object and deletes others."""

    def has_merge_permission(self, request) -> bool:
        # Django offers an action when *any* of its permissions is held; a merge needs both.
        # Mixed into a ModelAdmin, which has both.
        return self.has_change_permission(request) and self.has_delete_permission(request)  # type: ignore[attr-defined]


class ServiceAdminMixin:
    """Every admin form save and delete goes through a curation service (admin_save,
    admin_delete), so each effect of the write (search reads the stories again, the page
    cache moves on, an entity's old address redirects) sits in one place, the same one
    the curation actions use. The admin log stays Django's own (log_addition, log_change,
    log_deletion)."""

    def save_model(self, request, obj, form, change):
        """Saved with its inlines in save_related, by curation.admin_save."""

    def save_related(self, request, form, formsets, change):
        curation.admin_save(
            obj=form.instance,
            save_related=lambda: super(ServiceAdminMixin, self).save_related(
                request, form, formsets, change
            ),
            initial={name: form.initial.get(name) for name in form.changed_data}
            if change
            else None,
        )

    def delete_model(self, request, obj):
        curation.admin_delete(objects=[obj])

    def delete_queryset(self, request, queryset):
        curation.admin_delete(objects=queryset)


@admin.register(Source)
class SourceAdmin(ServiceAdminMixin, MergePermissionMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "story_count", "published_count"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = URL_FIELDS
    actions = ["merge_sources"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                story_count=count_of(Article, "source"),
                published_count=count_of(Article, "publisher"),
            )
        )

    @admin.display(ordering="story_count", description="stories credited")
    def story_count(self, obj: Source) -> int:
        return obj.story_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(ordering="published_count", description="stories published")
    def published_count(self, obj: Source) -> int:
        return obj.published_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.action(description="Merge selected sources…", permissions=["merge"])
    def merge_sources(self, request, queryset):
        sources = list(queryset.order_by("-story_count", "name"))
        if len(sources) < 2:
            self.message_user(request, "Select two or more sources to merge.", messages.WARNING)
            return None
        form = SurvivorForm(
            request.POST if "post" in request.POST else None,
            choices=queryset,
            initial={"keep": sources[0].pk},
        )
        if form.is_bound and form.is_valid():
            keep = form.cleaned_data["keep"]
            remove = [source for source in sources if source.pk != keep.pk]
            with transaction.atomic():
                curation.source_merge(keep=keep, remove=remove)
                names = ", ".join(source.name for source in remove)
                self.log_change(request, keep, f"Merged sources into this one: {names}.")
                log(request, remove, f"Merged into source {keep.name} (id {keep.pk}).", DELETION)
            self.message_user(request, f"Merged {names} into {keep.name}.", messages.SUCCESS)
            return None
        return confirmation(
            self,
            request,
            queryset,
            action="merge_sources",
            title="Merge sources",
            template="admin/articles/source/merge_confirmation.html",
            form=form,
            objects=sources,
        )


# Stories


class HasDateFilter(admin.SimpleListFilter):
    title = "has a date"
    parameter_name = "dated"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


class YearFilter(admin.SimpleListFilter):
    title = "year published"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Article.objects.datetimes("published_at", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not self.value().isdigit():
            return queryset.none()
        return queryset.filter(published_at__year=int(self.value()))


class PagedInlineFormSet(forms.BaseInlineFormSet):
    """An inline formset of one page of the related rows (`?<prefix>_page=N`): a story
    with 80 mentions rendered 80 rows of widgets, the slowest page of the admin (each row
    costs about 10 ms to render). A save changes the rows of the page shown and leaves
    the others as they are."""

    per_page = 10
    page = 1

    def get_queryset(self):
        if not hasattr(self, "_page_queryset"):
            rows = super().get_queryset()
            self.total = rows.count()
            self.pages = max(1, -(-self.total // self.per_page))
            self.page = min(max(1, self.page), self.pages)
            start = (self.page - 1) * self.per_page
            self._page_queryset = rows[start : start + self.per_page]
        return self._page_queryset

    def page_links(self) -> list[tuple[int, bool]]:
        self.get_queryset()
        return [(n, n == self.page) for n in range(1, self.pages + 1)]


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    autocomplete_fields = ["entity"]
    fields = ["entity", "count", "surface", "in_headline", "in_lede", "in_section", "salience"]
    formset = PagedInlineFormSet
    template = "admin/articles/article/paged_tabular.html"
    page_param = "mentions_page"

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entity").order_by("salience", "id")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        page = request.GET.get(self.page_param, "1")
        return type(
            formset.__name__,
            (formset,),
            {"page": int(page) if page.isdigit() else 1, "page_param": self.page_param},
        )


@admin.register(Article)
class ArticleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["title", "source", "published_at", "is_public", "entity_count"]
    list_filter = [
        "source",
        "section",
        "is_public",
        "batch",
        HasDateFilter,
        YearFilter,
        ("cluster", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["source"]
    search_fields = ["title", "body", "byline"]
    date_hierarchy = "published_at"
    readonly_fields = [
        "content_hash",
        "created_at",
        "updated_at",
        "raw_input",
        "given_metadata",
        "batch",
        "cluster_copies",
    ]
    exclude = ["cluster"]  # moved only by the split and join actions (ClusterEdit, undo)
    autocomplete_fields = ["source", "publisher"]
    formfield_overrides = URL_FIELDS
    inlines = [MentionInline]
    actions = ["hide", "unhide", "retag", "reparse", "split_from_cluster", "join_clusters"]

    def get_queryset(self, request):
        stories = super().get_queryset(request).annotate(entity_count=count_of(Mention, "article"))
        match = request.resolver_match
        if match and match.url_name == "articles_article_changelist":
            stories = stories.defer("body", "raw_input", "given_metadata")  # never listed
        return stories

    @admin.display(ordering="entity_count", description="entities")
    def entity_count(self, obj: Article) -> int:
        return obj.entity_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="story cluster")
    def cluster_copies(self, obj: Article) -> str:
        if obj.cluster_id is None:
            placed = " (a curator split it out)" if obj.cluster_locked else ""
            return f"In no cluster{placed}."
        count = Article.objects.filter(cluster_id=obj.cluster_id).count()
        return format_html(
            '<a href="{}">Cluster {}</a>: {} copies; this one is number {}{}.',
            reverse("articles:cluster", kwargs={"pk": obj.cluster_id}),
            obj.cluster_id,
            count,
            obj.cluster_rank + 1,
            " (placed by a curator)" if obj.cluster_locked else "",
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and {"body", "published_at", "word_count"} & set(form.changed_data):
            cluster_services.cluster_story_edited(article=form.instance)

    def delete_model(self, request, obj):
        purge.articles_delete(stories=Article.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        purge.articles_delete(stories=queryset)

    @admin.action(description="Split selected copies out of their clusters", permissions=["change"])
    def split_from_cluster(self, request, queryset):
        done = 0
        for story in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    edit = cluster_services.cluster_split(article=story, user=request.user)
                    self.log_change(request, story, f"{edit.summary} (cluster edit {edit.pk}).")
            except cluster_services.ClusterError as exc:
                self.message_user(request, f"“{story}”: {exc}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request,
                f"{done} stor{'y' if done == 1 else 'ies'} split out. Undo from Cluster edits.",
                messages.SUCCESS,
            )

    @admin.action(
        description="Join selected stories (and their clusters) into one cluster",
        permissions=["change"],
    )
    def join_clusters(self, request, queryset):
        stories = list(queryset.order_by("pk"))
        try:
            with transaction.atomic():
                edit = cluster_services.cluster_join(stories=stories, user=request.user)
                log(request, stories, f"{edit.summary} (cluster edit {edit.pk}).")
        except cluster_services.ClusterError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{edit.summary}. Undo from Cluster edits.", messages.SUCCESS)

    def _set_public(self, request, queryset, is_public: bool) -> None:
        stories = list(queryset.exclude(is_public=is_public))
        with transaction.atomic():
            for story in stories:
                curation.article_set_public(article=story, is_public=is_public)
            log(request, stories, "Made public." if is_public else "Hidden from the public.")
        state = "public" if is_public else "hidden"
        self.message_user(request, f"{len(stories)} stories made {state}.", messages.SUCCESS)

    @admin.action(description="Hide selected stories from the public", permissions=["change"])
    def hide(self, request, queryset):
        self._set_public(request, queryset, False)

    @admin.action(description="Make selected stories public", permissions=["change"])
    def unhide(self, request, queryset):
        self._set_public(request, queryset, True)

    @admin.action(description="Re-tag selected stories", permissions=["change"])
    def retag(self, request, queryset):
        stories = list(queryset)
        count = retag.articles_retag(articles=stories)
        log(request, stories, "Re-tagged: mentions rebuilt from the stored story.")
        self.message_user(request, f"{count} stories re-tagged.", messages.SUCCESS)

    @admin.action(
        description="Re-parse selected stories from their raw input", permissions=["change"]
    )
    def reparse(self, request, queryset):
        done = []
        for story in queryset:
            try:
                retag.article_reparse(article=story)
            except IngestError as exc:
                self.message_user(request, f"“{story}” was not changed: {exc}", messages.ERROR)
                continue
            done.append(story)
        log(request, done, "Re-parsed from the stored raw input.")
        if done:
            self.message_user(request, f"{len(done)} stories re-parsed.", messages.SUCCESS)


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["title", "article", "replaced_at"]
    list_select_related = ["article"]
    search_fields = ["title", "article__title"]
    list_filter = ["replaced_at"]
    raw_id_fields = ["article", "batch"]


# Entities


class EntityForm(forms.ModelForm):
    class Meta:
        model = Entity
        fields = ["name", "slug", "kind", "description"]

    def clean(self):
        # The name and slug constraints name the kind too; say plainly what clashes, and how
        # to fix it, before the database refuses.
        cleaned = super().clean()
        name, slug, kind = cleaned.get("name"), cleaned.get("slug"), cleaned.get("kind")
        others = Entity.objects.exclude(pk=self.instance.pk)
        if name and kind and others.filter(kind=kind, name__iexact=name).exists():
            self.add_error(
                "name",
                f"A {kind} named {name} exists already: merge the two with the "
                "“Merge selected entities” action instead.",
            )
        if slug and kind and others.filter(kind=kind, slug=slug).exists():
            self.add_error("slug", f"The address /{KIND_URL_PREFIX[kind]}/{slug}/ is taken.")
        if (
            self.instance.pk
            and kind
            and kind != self.instance.kind
            and self.instance.topic_rules.exists()
        ):
            self.add_error("kind", "This topic has topic rules; delete or move them first.")
        return cleaned


class EntityAliasForm(forms.ModelForm):
    class Meta:
        model = EntityAlias
        fields = ["entity", "name"]

    def clean(self):
        cleaned = super().clean()
        entity, name = cleaned.get("entity"), cleaned.get("name")
        if entity and name:
            same = EntityAlias.objects.filter(entity=entity, normalized=normalize_alias(name))
            if same.exclude(pk=self.instance.pk).exists():
                self.add_error("name", f"{entity.name} has this alias already.")
        return cleaned


class EntityAliasFormSet(forms.BaseInlineFormSet):
    """An entity's aliases, all on one page: each may be given once (ignoring case and spaces)."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            name = getattr(form, "cleaned_data", {}).get("name")
            if not name or self._should_delete_form(form):
                continue
            if normalize_alias(name) in seen:
                form.add_error("name", "This alias is given twice.")
            seen.add(normalize_alias(name))


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    formset = EntityAliasFormSet
    extra = 1
    fields = ["name"]


class KindForm(forms.Form):
    kind = forms.ChoiceField(choices=Entity.Kind.choices, label="New kind")


@admin.register(Entity)
class EntityAdmin(ServiceAdminMixin, MergePermissionMixin, admin.ModelAdmin):
    form = EntityForm
    list_display = ["name", "kind", "slug", "story_count", "alias_count", "confidence", "confirmed"]
    list_filter = ["kind", "confirmed"]
    readonly_fields = ["merges", "confidence"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [EntityAliasInline]
    actions = ["merge_entities", "change_kind", "confirm_entities"]

    def get_urls(self):
        from django.urls import path

        review = self.admin_site.admin_view(self.review_view)
        return [path("review/", review, name="articles_entity_review"), *super().get_urls()]

    def review_view(self, request):
        """The review list; its buttons confirm an entity or merge a suggested pair."""
        from . import review

        if request.method == "POST":
            if not self.has_merge_permission(request):
                raise PermissionDenied
            self._review_post(request)
            return HttpResponseRedirect(reverse("admin:articles_entity_review"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Entities to review",
            "review": review.review(),
            "opts": self.model._meta,
            "trusted": Entity.TRUSTED_CONFIDENCE,
        }
        return TemplateResponse(request, "admin/articles/entity/review.html", context)

    def _review_post(self, request) -> None:
        ids = [v for v in (request.POST.get("keep"), request.POST.get("remove")) if v]
        if not all(v.isdigit() for v in ids) or not ids:
            self.message_user(request, "Choose an entity.", messages.ERROR)
            return
        if request.POST.get("do") == "confirm":
            entity = Entity.objects.filter(pk=ids[0]).first()
            if entity is not None:
                curation.entity_confirm(entities=[entity])
                self.log_change(request, entity, "Confirmed from the review list.")
                self.message_user(request, f"Confirmed {entity.name}.", messages.SUCCESS)
            return
        found = {e.pk: e for e in Entity.objects.filter(pk__in=ids)}
        keep = found.get(int(request.POST.get("keep", 0) or 0))
        remove = found.get(int(request.POST.get("remove", 0) or 0))
        if keep is None or remove is None:
            self.message_user(
                request, "That entity was merged or deleted meanwhile.", messages.ERROR
            )
            return
        try:
            with transaction.atomic():
                if remove.kind != keep.kind:
                    remove = curation.entity_change_kind(
                        entity=remove, kind=keep.kind, user=request.user
                    )
                if remove.pk != keep.pk:
                    curation.entity_merge(keep=keep, remove=[remove], user=request.user)
                self.log_merge(request, keep, [remove])
        except CurationError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                "Merged {} into {}. It can be undone from the <a href='{}'>merge records</a>.",
                remove.name,
                keep.name,
                reverse("admin:articles_mergerecord_changelist"),
            ),
            messages.SUCCESS,
        )

    @admin.action(description="Confirm selected entities (show them; the tagger keeps them)")
    def confirm_entities(self, request, queryset):
        entities = list(queryset)
        curation.entity_confirm(entities=entities)
        log(request, entities, "Confirmed.")
        self.message_user(request, f"Confirmed {len(entities)} entities.", messages.SUCCESS)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                story_count=count_of(Mention, "entity"),
                alias_count=count_of(EntityAlias, "entity"),
            )
        )

    @admin.display(description="merged into this")
    def merges(self, obj: Entity) -> str:
        """Links to the merge records of entities merged into this one, where undo lives."""
        records = obj.merge_records.all() if obj.pk else []
        return (
            format_html_join(
                ", ",
                "<a href='{}'>{}</a>{}",
                (
                    (
                        reverse("admin:articles_mergerecord_change", args=[record.pk]),
                        record.removed_names,
                        " (undone)" if record.undone_at else "",
                    )
                    for record in records
                ),
            )
            or "–"
        )

    @admin.display(ordering="story_count", description="stories")
    def story_count(self, obj: Entity) -> int:
        return obj.story_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(ordering="alias_count", description="aliases")
    def alias_count(self, obj: Entity) -> int:
        return obj.alias_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.action(description="Merge selected entities…", permissions=["merge"])
    def merge_entities(self, request, queryset):
        entities = list(queryset.order_by("-story_count", "name"))
        if len(entities) < 2:
            self.message_user(request, "Select two or more entities to merge.", messages.WARNING)
            return None
        if len({entity.kind for entity in entities}) > 1:
            self.message_user(
                request,
                "Only entities of one kind can be merged; change the kind first.",
                messages.ERROR,
            )
            return None
        form = SurvivorForm(
            request.POST if "post" in request.POST else None,
            choices=queryset,
            initial={"keep": entities[0].pk},
        )
        if form.is_bound and form.is_valid():
            keep = form.cleaned_data["keep"]
            remove = [entity for entity in entities if entity.pk != keep.pk]
            try:
                with transaction.atomic():
                    curation.entity_merge(keep=keep, remove=remove, user=request.user)
                    self.log_merge(request, keep, remove)
            except CurationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            undo_url = reverse("admin:articles_mergerecord_changelist")
            self.message_user(
                request,
                format_html(
                    "Merged {} into {}. It can be undone from the <a href='{}'>merge records</a>.",
                    ", ".join(entity.name for entity in remove),
                    keep.name,
                    undo_url,
                ),
                messages.SUCCESS,
            )
            return None
        return confirmation(
            self,
            request,
            queryset,
            action="merge_entities",
            title="Merge entities",
            template="admin/articles/entity/merge_confirmation.html",
            form=form,
            objects=entities,
        )

    def log_merge(self, request, keep: Entity, remove: list[Entity]) -> None:
        names = ", ".join(f"{entity.name} (id {entity.pk})" for entity in remove)
        self.log_change(request, keep, f"Merged into this entity: {names}.")
        log(request, remove, f"Merged into {keep.name} (id {keep.pk}).", DELETION)

    @admin.action(
        description="Change the kind of selected entities…",
        permissions=["merge"],  # a clash with an entity of the new kind merges the two
    )
    def change_kind(self, request, queryset):
        form = KindForm(request.POST if "post" in request.POST else None)
        entities = list(queryset)
        if form.is_bound and form.is_valid():
            kind = form.cleaned_data["kind"]
            changed = merged = 0
            for entity in entities:
                if entity.kind == kind:
                    continue
                try:
                    with transaction.atomic():
                        result = curation.entity_change_kind(
                            entity=entity, kind=kind, user=request.user
                        )
                        if result.pk == entity.pk:
                            self.log_change(request, result, f"Kind changed from {entity.kind}.")
                            changed += 1
                        else:
                            self.log_merge(request, result, [entity])
                            merged += 1
                except CurationError as exc:
                    self.message_user(request, f"{entity.name}: {exc}", messages.ERROR)
            self.message_user(
                request,
                f"{changed} entities changed to {kind}; {merged} merged into an existing {kind}.",
                messages.SUCCESS,
            )
            return None
        return confirmation(
            self,
            request,
            queryset,
            action="change_kind",
            title="Change the kind of entities",
            template="admin/articles/entity/change_kind.html",
            form=form,
            objects=entities,
        )


@admin.register(EntityAlias)
class EntityAliasAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = EntityAliasForm
    list_display = ["name", "entity"]
    list_select_related = ["entity"]
    search_fields = ["name", "entity__name"]
    list_filter = ["entity__kind"]
    autocomplete_fields = ["entity"]
    actions = ["split_out"]

    def has_split_permission(self, request) -> bool:
        return request.user.has_perms(["articles.change_entityalias", "articles.add_entity"])

    @admin.action(
        description="Split selected aliases out into entities of their own", permissions=["split"]
    )
    def split_out(self, request, queryset):
        for alias in queryset.select_related("entity"):
            parent = alias.entity
            try:
                with transaction.atomic():
                    entity = curation.alias_split(alias=alias)
                    self.log_addition(
                        request, entity, f"Split out of {parent.name} (id {parent.pk})."
                    )
                    self.log_change(
                        request, parent, f"Alias {alias.name} split out into an entity of its own."
                    )
            except CurationError as exc:
                self.message_user(request, f"{alias.name}: {exc}", messages.ERROR)
                continue
            moved = entity.mentions.count()
            self.message_user(
                request,
                f"{entity.name} is now a {entity.kind} of its own, with {moved} mentions.",
                messages.SUCCESS,
            )


@admin.register(Mention)
class MentionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["entity", "article", "count", "salience", "in_headline", "in_lede"]
    list_select_related = ["entity", "article"]
    list_filter = ["entity__kind", "in_headline", "in_lede"]
    search_fields = ["entity__name", "article__title"]
    autocomplete_fields = ["entity"]
    raw_id_fields = ["article"]


@admin.register(EntityRedirect)
class EntityRedirectAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["old_slug", "kind", "entity", "created_at"]
    list_select_related = ["entity"]
    list_filter = ["kind"]
    search_fields = ["old_slug", "entity__name"]
    autocomplete_fields = ["entity"]


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["merged_at", "removed_names", "keep_name", "merged_by", "undone_at"]
    list_select_related = ["merged_by"]
    list_filter = [("undone_at", admin.EmptyFieldListFilter)]
    search_fields = ["keep_name", "removed_names"]
    readonly_fields = [
        "keep",
        "keep_name",
        "removed_names",
        "merged_by",
        "merged_at",
        "undone_by",
        "undone_at",
        "snapshot",
    ]
    actions = ["undo_merge"]

    def has_undo_permission(self, request) -> bool:
        return request.user.has_perms(["articles.add_entity", "articles.change_entity"])

    change_form_template = "admin/articles/undo_change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        context.update(
            can_undo=self.has_undo_permission(request),
            undo_action="undo_merge",
            undo_label="Undo this merge",
        )
        return super().render_change_form(request, context, *args, **kwargs)

    @admin.action(description="Undo selected merges", permissions=["undo"])
    def undo_merge(self, request, queryset):
        for record in queryset.order_by("-merged_at", "-id"):
            try:
                with transaction.atomic():
                    result = curation.entity_merge_undo(record=record, user=request.user)
                    names = ", ".join(entity.name for entity in result.restored)
                    self.log_change(request, record, "Undone.")
                    log(
                        request,
                        result.restored,
                        f"Restored by undoing merge {record.pk}.",
                        ADDITION,
                    )
                    self.log_change(request, record.keep, f"Undid the merge of {names}.")
            except CurationError as exc:
                self.message_user(request, f"{record}: {exc}", messages.ERROR)
                continue
            message = f"Restored {names}."
            if result.skipped_stories:
                message += (
                    f" {result.skipped_stories} stories they were mentioned in were deleted "
                    "since; those mentions are gone."
                )
            level = messages.WARNING if result.skipped_stories else messages.SUCCESS
            self.message_user(request, message, level)


@admin.register(ClusterEdit)
class ClusterEditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["made_at", "action", "summary", "made_by", "undone_at", "undone_by"]
    list_select_related = ["made_by", "undone_by"]
    list_filter = ["action", ("undone_at", admin.EmptyFieldListFilter)]
    search_fields = ["summary"]
    readonly_fields = [
        "action",
        "summary",
        "made_by",
        "made_at",
        "undone_by",
        "undone_at",
        "snapshot",
    ]
    actions = ["undo_edit"]

    def has_undo_permission(self, request) -> bool:
        return request.user.has_perm("articles.change_article")

    change_form_template = "admin/articles/undo_change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        context.update(
            can_undo=self.has_undo_permission(request),
            undo_action="undo_edit",
            undo_label="Undo this cluster edit",
        )
        return super().render_change_form(request, context, *args, **kwargs)

    @admin.action(description="Undo selected cluster edits", permissions=["undo"])
    def undo_edit(self, request, queryset):
        for edit in queryset.order_by("-made_at", "-id"):  # the latest first
            try:
                with transaction.atomic():
                    count = cluster_services.cluster_edit_undo(edit=edit, user=request.user)
                    self.log_change(request, edit, "Undone.")
            except cluster_services.ClusterError as exc:
                self.message_user(request, f"{edit}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request, f"Undone: {edit} ({count} stories put back).", messages.SUCCESS
            )


# Topic rules


@admin.register(TopicRule)
class TopicRuleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["topic", "all_terms", "any_terms", "phrases", "is_active"]
    list_select_related = ["topic"]
    list_filter = ["is_active"]
    search_fields = ["topic__name", "all_terms", "any_terms", "phrases", "notes"]
    autocomplete_fields = ["topic"]
    fields = ["topic", "all_terms", "any_terms", "phrases", "is_active", "notes", "preview"]
    readonly_fields = ["preview"]

    @admin.display(description="Would tag")
    def preview(self, obj: TopicRule | None) -> str:
        """How many stories the saved rule matches, with a few of their titles."""
        if obj is None or obj.pk is None:
            return "Save the rule to see how many stories it would tag."
        stories = obj.matching_articles().order_by("-published_at", "-id")
        total = stories.count()
        examples = format_html_join(
            "",
            "<li>{}</li>",
            (
                (Truncator(title).chars(100),)
                for title in stories.values_list("title", flat=True)[:5]
            ),
        )
        return format_html("{} stories<ul>{}</ul>", total, examples)


# Ingest batches


@admin.register(IngestBatch)
class IngestBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "unchanged",
        "duplicate",
        "skipped",
        "failed",
        "story_count",
        "first_error",
    ]
    list_filter = ["parser_version", "tagger_version"]
    search_fields = ["paths"]
    readonly_fields = [f.name for f in IngestBatch._meta.fields]
    actions = ["purge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=count_of(Article, "batch"))

    @admin.display(ordering="story_count", description="stories now")
    def story_count(self, obj: IngestBatch) -> int:
        return obj.story_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="errors")
    def first_error(self, obj: IngestBatch) -> str:
        if not obj.errors:
            return ""
        first = obj.errors[0]
        more = f" (and {len(obj.errors) - 1} more)" if len(obj.errors) > 1 else ""
        return Truncator(f"{first.get('path', '')}: {first.get('error', '')}").chars(80) + more

    def has_purge_permission(self, request) -> bool:
        return request.user.has_perm("articles.delete_article")

    @admin.action(description="Purge the stories of selected batches…", permissions=["purge"])
    def purge(self, request, queryset):
        batches = list(queryset.order_by("pk"))
        if "post" not in request.POST:
            return confirmation(
                self,
                request,
                queryset,
                action="purge",
                title="Purge ingest batches",
                template="admin/articles/ingestbatch/purge_confirmation.html",
                objects=batches,
                total=sum(batch.story_count for batch in batches),
            )
        total = 0
        for batch in batches:
            with transaction.atomic():
                stories = list(Article.objects.filter(batch=batch).only("pk", "title"))
                count = purge.batch_purge(batch=batch)
                log(request, stories, f"Deleted by purging {batch}.", DELETION)
                self.log_change(request, batch, f"Purged: {count} stories deleted.")
            total += count
        self.message_user(request, f"{total} stories deleted.", messages.SUCCESS)
        return None


# The admin log itself, so curators can see who changed what.


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "action_time",
        "user",
        "action_flag",
        "content_type",
        "object_link",
        "change_message",
    ]
    list_select_related = ["user", "content_type"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"

    @admin.display(description="object", ordering="object_repr")
    def object_link(self, entry: LogEntry) -> str:
        if entry.action_flag == DELETION or entry.content_type is None:
            return entry.object_repr
        try:
            url = reverse(
                f"admin:{entry.content_type.app_label}_{entry.content_type.model}_change",
                args=[entry.object_id],
            )
        except NoReverseMatch:  # a model without an admin page
            return entry.object_repr
        return format_html("<a href='{}'>{}</a>", url, entry.object_repr)
