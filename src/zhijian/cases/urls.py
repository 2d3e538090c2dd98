from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("export/", views.case_export, name="case_export"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("scan/", views.scan_page, name="scan"),
    path("scan/decide/", views.scan_decide, name="scan_decide"),
]
