from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zhijian.api"
    label = "api"
    verbose_name = "接口"
