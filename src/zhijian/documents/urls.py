from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/docx/", views.document_docx, name="document_docx"),
    path("<int:pk>/pdf/", views.document_pdf, name="document_pdf"),
    path("<int:pk>/record/", views.document_record, name="document_record"),
    path("<int:pk>/void/", views.document_void, name="document_void"),
    path("<int:pk>/rerender/", views.document_rerender, name="document_rerender"),
    path("<int:pk>/record/upload/", views.document_record_upload, name="document_record_upload"),
    path("templates/", views.template_list, name="templates"),
    path("templates/upload/", views.template_upload, name="template_upload"),
    path("templates/activate/", views.template_activate, name="template_activate"),
    path("templates/download/", views.template_download, name="template_download"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("numbering/", views.numbering, name="numbering"),
]
