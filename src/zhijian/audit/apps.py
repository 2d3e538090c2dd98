from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zhijian.audit"
    label = "audit"
    verbose_name = "审计"
