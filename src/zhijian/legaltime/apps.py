from django.apps import AppConfig


class LegaltimeConfig(AppConfig):
    name = "zhijian.legaltime"
    label = "legaltime"
    verbose_name = "法定期限"
