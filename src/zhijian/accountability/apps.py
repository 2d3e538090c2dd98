from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "zhijian.accountability"
    label = "accountability"
    verbose_name = "责任追究"

    def ready(self) -> None:
        from zhijian.notifications.reminders import register_digest

        from .services import proposal_digest

        register_digest(proposal_digest, name="accountability_proposals")
