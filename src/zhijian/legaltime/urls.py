from django.urls import path

from . import views

app_name = "legaltime"
urlpatterns = [
    path("", views.board, name="board"),
    path("export/", views.board_export, name="board_export"),
    path("new/", views.deadline_create, name="deadline_create"),
    path("<int:pk>/", views.deadline_detail, name="deadline_detail"),
    path("<int:pk>/complete/", views.deadline_complete, name="deadline_complete"),
    path("<int:pk>/extend/", views.deadline_extend, name="deadline_extend"),
    path("<int:pk>/suspend/", views.deadline_suspend, name="deadline_suspend"),
    path("<int:pk>/resume/", views.deadline_resume, name="deadline_resume"),
    path("calculator/", views.calculator, name="calculator"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<int:pk>/", views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/revise/", views.rule_revise, name="rule_revise"),
    path("calendar/", views.holiday_calendar, name="holiday_calendar"),
]
