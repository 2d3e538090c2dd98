from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhijian.core"
    label = "core"
    verbose_name = "系统"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app registers its navigation entries, home-page providers and search providers
        # in ``<app>/registry.py`` (see docs/architecture.md).
        autodiscover_modules("registry")
