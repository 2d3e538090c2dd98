from django.urls import path

from . import import_views, measure_views, views

app_name = "supervision"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("new/", views.matter_new, name="new"),
    path("export/", views.ledger_export, name="export"),
    path("import/", import_views.import_matters_view, name="import"),
    path("filters/save/", views.filter_save, name="filter_save"),
    path("filters/delete/", views.filter_delete, name="filter_delete"),
    path("workspace/", views.workspace_view, name="workspace"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/measures/new/", measure_views.measure_new, name="measure_new"),
    path("measures/<int:pk>/", measure_views.measure_detail, name="measure"),
    path("measures/<int:pk>/preview/", measure_views.measure_preview, name="measure_preview"),
    path("measures/<int:pk>/do/<str:action>/", measure_views.measure_action, name="measure_action"),
    path("measures/from-scan/", measure_views.order_from_scan, name="order_from_scan"),
    path("<int:pk>/do/<str:action>/", views.matter_action, name="action"),
    path("<int:pk>/court/<str:step>/", views.court_action, name="court_action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("letters/<int:pk>/preview/", views.letter_preview, name="letter_preview"),
]
