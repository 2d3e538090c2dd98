from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("courts/", views.court_list, name="court_list"),
    path("courts/<int:pk>/", views.court_detail, name="court_detail"),
    path("courts/<int:pk>/contact/", views.court_designate_contact, name="court_contact"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
]
