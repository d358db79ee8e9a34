from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from generator.api.site import api

admin.site.site_header = _("AutoScale Studio admin")

admin.site.site_title = "AutoScale Studio"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages (the admin's) that do not name an icon.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # studio.js's strings (locale/*/LC_MESSAGES/djangojs.po), loaded by <script src>.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["generator"]),
        name="javascript-catalog",
    ),
    path("api/v1/", api.urls),
    path("", include("generator.urls")),
]
