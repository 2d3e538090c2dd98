from typing import Any

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhijian.cases"
    label = "cases"
    verbose_name = "执行案件"

    def ready(self) -> None:
        from zhijian.legaltime.signals import clock_changed

        clock_changed.connect(_clock_changed, dispatch_uid="cases.recompute_on_clock_change")


def _clock_changed(sender: Any, reason: str = "", **kwargs: Any) -> None:
    from .tasks import recompute_case_dues

    recompute_case_dues.enqueue(reason)
