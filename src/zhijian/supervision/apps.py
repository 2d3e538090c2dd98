from typing import Any

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhijian.supervision"
    label = "supervision"
    verbose_name = "执行监督"

    def ready(self) -> None:
        from zhijian.legaltime.choices import DeadlineKind
        from zhijian.notifications.reminders import register_deadline_recipients, register_digest
        from zhijian.org.signals import contact_changed

        from .reminders import director_digest, recipients

        for kind in (
            DeadlineKind.REVIEW, DeadlineKind.LETTER, DeadlineKind.SIGN, DeadlineKind.REPORT,
            DeadlineKind.REQUEST, DeadlineKind.MATTER, DeadlineKind.SOURCE_REPLY,
        ):  # fmt: skip
            register_deadline_recipients(kind, recipients)
        register_digest(director_digest, name="supervision_overdue")
        contact_changed.connect(_contact_changed, dispatch_uid="supervision.contact_changed")
        from django.db.models.signals import post_migrate

        # The Art. 3 categories are reference data: seeded by migration 0002 and again after
        # every migrate or flush (a flushed test database, a restored dump), idempotently.
        post_migrate.connect(_seed_categories, sender=self, dispatch_uid="supervision.seed_categories")


def _contact_changed(sender: Any, court: Any = None, **kwargs: Any) -> None:
    from .services import contact_changed

    contact_changed(court)


def _seed_categories(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from .models import SourceCategory
    from .sources import seed_categories

    if SourceCategory.objects.using(using).count() < 6:
        seed_categories(SourceCategory)
