from django.urls import path

from . import views

app_name = "accountability"
urlpatterns = [
    path("", views.register, name="register"),
    path("decide/", views.decide, name="decide"),
    path("propose/", views.propose, name="propose"),
]
