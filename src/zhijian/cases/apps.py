from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhijian.cases"
    label = "cases"
    verbose_name = "执行案件"
