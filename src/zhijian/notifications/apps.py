from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "zhijian.notifications"
    label = "notifications"
    verbose_name = "通知提醒"
