from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("courts", views.CourtViewSet, basename="court")
router.register("users", views.UserViewSet, basename="user")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/me/", views.me, name="me"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
]
