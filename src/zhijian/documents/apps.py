from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "zhijian.documents"
    label = "documents"
    verbose_name = "公文"
