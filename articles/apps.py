from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Archive"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import caching, models

        # Any row readers see, saved or deleted (the admin, the services): stored
        # pages are out of date. Bulk updates go through services marked changes_archive.
        for model in (
            models.Article,
            models.Entity,
            models.EntityAlias,
            models.EntityRedirect,
            models.Mention,
            models.Source,
        ):
            post_save.connect(caching.archive_changed, sender=model, dispatch_uid=f"pages-{model}")
            post_delete.connect(
                caching.archive_changed, sender=model, dispatch_uid=f"pages-gone-{model}"
            )
