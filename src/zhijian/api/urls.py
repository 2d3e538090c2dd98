from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views
from .attachments import AttachmentDownloadView
from .documents import DocumentViewSet
from .matters import MatterTransitionView, MatterViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("courts", views.CourtViewSet, basename="court")
router.register("users", views.UserViewSet, basename="user")
router.register("matters", MatterViewSet, basename="matter")
router.register("documents", DocumentViewSet, basename="document")

app_name = "api"
urlpatterns = [
    path("v1/matters/<int:pk>/transition/", MatterTransitionView.as_view(), name="matter-transition"),
    path("v1/attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="attachment-download"),
    path("v1/", include(router.urls)),
    path("v1/me/", views.me, name="me"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
]
