from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("courts/", views.court_list, name="court_list"),
    path("courts/<int:pk>/", views.court_detail, name="court_detail"),
    path("courts/<int:pk>/contact/", views.court_designate_contact, name="court_contact"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/link/", views.person_link, name="person_link"),
    path("persons/<int:pk>/merge/", views.person_merge, name="person_merge"),
    path("persons/<int:pk>/split/", views.person_split, name="person_split"),
    path("persons/<int:pk>/note/", views.person_note, name="person_note"),
]
