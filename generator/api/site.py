"""The API under /api/v1/: its routers, token auth on every endpoint, the OpenAPI schema
(/api/v1/openapi.json) and its docs page (/api/v1/docs, served from static files, so the
site's strict CSP holds there too). Bad input is a 400 with a message, never a 500."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from generator import catalog
from generator.api import approved, assets, generations
from generator.api.auth import TokenAuth
from generator.api.callbacks import CallbackRefused
from generator.generations import AlreadySent


class _FullTimes(NinjaJSONEncoder):
    """Times to the microsecond (Django's encoder cuts them to milliseconds): an
    `approved_at` given back as `since` must not return that asset again."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


class _Renderer(JSONRenderer):
    encoder_class = _FullTimes


api = NinjaAPI(
    title="AutoScale Studio API",
    version="1",
    description=(
        "Generations, review and the approved library, for the posting pipeline and scripts. "
        "Every call takes `Authorization: Bearer <token>` (`manage.py kie token NAME`)."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=_Renderer(),
)
api.add_router("/generations/", generations.router)
api.add_router("/assets/", assets.router)
api.add_router("/approved/", approved.router)


@api.exception_handler(ValidationError)
def invalid_input(request, exc: ValidationError):
    """The schema refused the request: a 400 naming each field."""
    fields = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",))
        fields.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg"))
    detail = _("Invalid request: %(fields)s") % {"fields": "; ".join(map(str, fields))}
    errors = [{"loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors]
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(catalog.CatalogError)
def refused_by_the_catalog(request, exc: catalog.CatalogError):
    detail = _("Invalid request: %(fields)s") % {"fields": str(exc)}
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=400)


@api.exception_handler(AlreadySent)
def key_used_for_another_request(request, exc: AlreadySent):
    """Two requests with one Idempotency-Key and different settings raced: the first made
    the task, the second makes nothing."""
    detail = _("This Idempotency-Key was used for another request.")
    return api.create_response(request, {"detail": detail}, status=409)


@api.exception_handler(CallbackRefused)
def refused_callback(request, exc: CallbackRefused):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc):
    response = api.create_response(
        request,
        {"detail": _("A valid API token is needed: Authorization: Bearer <token>.")},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response
