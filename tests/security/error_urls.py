"""The studio's URLs plus views that fail on purpose, for the error page tests."""

from django.db import OperationalError
from django.urls import include, path


def boom(request):
    raise RuntimeError("the view broke")


def locked(request):
    raise OperationalError("database is locked")


def other_database_error(request):
    raise OperationalError("no such table: generator_nothing")


urlpatterns = [
    path("boom/", boom),
    path("locked/", locked),
    path("db-error/", other_database_error),
    path("", include("autoscale.urls")),
]
