from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhijian.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from . import signals  # noqa: F401
