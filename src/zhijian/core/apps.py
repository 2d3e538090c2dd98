from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhijian.core"
    label = "core"
    verbose_name = "系统"

    def ready(self) -> None:
        from django.db.models import fields
        from django.utils.module_loading import autodiscover_modules

        # Django 6.1's "- Select an option -" has no Chinese translation yet; Django documents
        # overriding it here.
        fields.BLANK_CHOICE_LABEL = "——请选择——"

        # Each app registers its navigation entries, home-page providers and search providers
        # in ``<app>/registry.py`` (see docs/architecture.md).
        autodiscover_modules("registry")
