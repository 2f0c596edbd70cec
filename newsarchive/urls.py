from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]

# A database outage is a 503 with Retry-After; any other fault the usual 500 page.
handler500 = "articles.errors.server_error"
