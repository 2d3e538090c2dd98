from django.urls import path

from . import alias_views, import_views, party_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("export/", views.case_export, name="case_export"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("parties/<int:pk>/reveal/<str:field>/", party_views.party_reveal, name="party_reveal"),
    path("aliases/", alias_views.alias_list, name="aliases"),
    path("aliases/add/", alias_views.alias_add, name="alias_add"),
    path("aliases/delete/", alias_views.alias_delete, name="alias_delete"),
    path("scan/", views.scan_page, name="scan"),
    path("scan/decide/", views.scan_decide, name="scan_decide"),
    path("scan/export/", views.scan_export, name="scan_export"),
    path("import/", import_views.import_upload, name="import"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors/", import_views.import_errors, name="import_errors"),
]
