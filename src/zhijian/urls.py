from django.urls import include, path

from zhijian.org.admin import admin_site

urlpatterns = [
    path("", include("zhijian.core.urls")),
    path("accounts/", include("zhijian.accounts.urls")),
    path("org/", include("zhijian.org.urls")),
    path("audit/", include("zhijian.audit.urls")),
    path("deadlines/", include("zhijian.legaltime.urls")),
    path("cases/", include("zhijian.cases.urls")),
    path("matters/", include("zhijian.supervision.urls")),
    path("documents/", include("zhijian.documents.urls")),
    path("notifications/", include("zhijian.notifications.urls")),
    path("accountability/", include("zhijian.accountability.urls")),
    path("api/", include("zhijian.api.urls")),
    path("admin/", admin_site.urls),
]

handler400 = "zhijian.core.views.bad_request"
handler403 = "zhijian.core.views.permission_denied"
handler404 = "zhijian.core.views.page_not_found"
handler500 = "zhijian.core.views.server_error"
