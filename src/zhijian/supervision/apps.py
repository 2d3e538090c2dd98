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
            DeadlineKind.REQUEST, DeadlineKind.MATTER, DeadlineKind.SOURCE_REPLY, DeadlineKind.URGE,
            DeadlineKind.ORDER, DeadlineKind.WINDOW, DeadlineKind.CORRECTION, DeadlineKind.TASK,
        ):  # fmt: skip
            register_deadline_recipients(kind, recipients)
        register_digest(director_digest, name="supervision_overdue")
        register_digest(_measure_daily, name="supervision_measures")
        from zhijian.legaltime.services import register_deadline_manager

        register_deadline_manager(_manager)
        from zhijian.documents.services import register_void_guard

        register_void_guard(_void_guard)
        contact_changed.connect(_contact_changed, dispatch_uid="supervision.contact_changed")
        from zhijian.cases.signals import cases_imported

        cases_imported.connect(_cases_imported, dispatch_uid="supervision.relink_cases")
        from django.db.models.signals import post_migrate

        # The Art. 3 categories are reference data: seeded by migration 0002 and again after
        # every migrate or flush (a flushed test database, a restored dump), idempotently.
        post_migrate.connect(_seed_categories, sender=self, dispatch_uid="supervision.seed_categories")


def _contact_changed(sender: Any, court: Any = None, **kwargs: Any) -> None:
    from .services import contact_changed

    contact_changed(court)


def _cases_imported(sender: Any, **kwargs: Any) -> None:
    from .measures import relink_new_cases, resolve_from_cases
    from .services import relink_cases

    relink_cases()
    relink_new_cases()
    resolve_from_cases()


def _measure_daily(today: Any) -> Any:
    """Daily: 暂缓执行 periods that ran out end (the case's interval stays as it was)."""
    from .measures import finish_deferrals

    finish_deferrals(today)
    return []


def _seed_categories(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from .models import SourceCategory
    from .sources import seed_categories

    if SourceCategory.objects.using(using).count() < 6:
        seed_categories(SourceCategory)
    from .measure_types import DEFAULTS, seed_measure_types
    from .models import MeasureType

    if MeasureType.objects.using(using).count() < len(DEFAULTS):
        seed_measure_types(MeasureType)


def _manager(deadline: Any) -> str | None:
    from .models import MatterDeadline

    link = MatterDeadline.objects.filter(deadline_id=deadline.pk).select_related("matter").first()
    return f"监督事项 {link.matter.number}" if link is not None else None


def _void_guard(doc: Any) -> str | None:
    """A 督办函 is voided as a letter (作废督办函 on the matter page), which also stops its
    sign-for and report deadlines."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Letter, Measure

    if doc.owner_type_id == ContentType.objects.get_for_model(Measure).pk:
        measure = Measure.objects.filter(pk=doc.owner_id).select_related("matter", "type").first()
        return f"监督事项 {measure.matter.number} 的{measure.type.name}（撤销措施）" if measure else None
    if doc.owner_type_id != ContentType.objects.get_for_model(Letter).pk:
        return None
    letter = Letter.objects.filter(pk=doc.owner_id).select_related("matter").first()
    return f"监督事项 {letter.matter.number} 的督办函" if letter is not None else None
