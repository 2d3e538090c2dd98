from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhijian.supervision"
    label = "supervision"
    verbose_name = "执行监督"
