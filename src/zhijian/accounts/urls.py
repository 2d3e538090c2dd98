from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("keepalive/", views.keepalive, name="keepalive"),
    # API tokens (接口令牌)
    path("api-token/", views.api_token, name="api_token"),
    path("api-token/issue/", views.api_token_issue, name="api_token_issue"),
    path("api-token/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("api-token/users/<int:pk>/revoke/", views.api_token_revoke_user, name="api_token_revoke_user"),
]
