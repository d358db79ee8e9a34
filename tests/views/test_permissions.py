"""Who gets what, on every URL of the project: an authorization matrix written as data.

Every URL the resolver knows is requested as seven people: anonymous, a logged-in account
with no role, a staff account with no role, a marketer, an approver, an admin (the Admin
role: every permission, and the admin site) and a superuser. A URL added without an entry
in MATRIX fails test_every_url_has_an_entry; nobody ever gets a server error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from generator.models import Asset, Comparison, GenerationTask, TaskInput
from tests.conftest import person
from tests.factories import make_one_of_each

ROLES = ("anonymous", "user", "staff", "marketer", "approver", "admin", "superuser")
NO_STUDIO = ("anonymous", "user", "staff")  # none of them may see a prompt
SECRET_PROMPT = b"launch of the unannounced phone"


@dataclass(frozen=True)
class Redirect:
    """A 301/302 to a URL starting with `to`."""

    to: str


@dataclass(frozen=True)
class Expect:
    anonymous: int | Redirect
    user: int | Redirect
    staff: int | Redirect
    marketer: int | Redirect
    approver: int | Redirect
    admin: int | Redirect
    superuser: int | Redirect
    method: str = "GET"

    def of(self, role: str) -> int | Redirect:
        return getattr(self, role)


def everyone(outcome: int | Redirect, method: str = "GET") -> Expect:
    return Expect(*[outcome] * len(ROLES), method)


LOGIN = Redirect("/login/?next=")
ADMIN_LOGIN = Redirect("/admin/login/?next=")
LOGIN_PAGE = Redirect("/login/")
ADMIN_INDEX = Redirect("/admin/")
ON_SITE = Redirect("http://testserver/tasks/")  # the admin's "view on site" of a task
EVERY_ROLE = ("marketer", "approver", "admin", "superuser")
APPROVERS = ("approver", "admin", "superuser")


def studio(outcome: int | Redirect, method: str = "GET", holders=EVERY_ROLE) -> Expect:
    """A studio URL: anonymous people log in first; who holds its permission gets
    `outcome`, anyone else 403."""
    rest = {role: outcome if role in holders else 403 for role in ROLES[1:]}
    return Expect(LOGIN, **rest, method=method)


def admin_site(staff: int | Redirect, admin: int | Redirect, method: str = "GET") -> Expect:
    """An admin URL: only staff accounts get in (the admin role is one, with every
    permission, as a superuser)."""
    return Expect(ADMIN_LOGIN, ADMIN_LOGIN, staff, ADMIN_LOGIN, ADMIN_LOGIN, admin, admin, method)


STUDIO_PAGE = studio(200)
ASSET_PAGE = Redirect("/assets/")
# Logging out of the admin: staff go to the login page, the others back to the admin.
ADMIN_LOGOUT = Expect(
    ADMIN_INDEX, ADMIN_INDEX, LOGIN_PAGE, ADMIN_INDEX, ADMIN_INDEX, LOGIN_PAGE, LOGIN_PAGE, "POST"
)
ADMIN_PAGE = admin_site(200, 200)

# What a superuser gets on each admin view of a model (staff without permissions get 403
# on all of them): the task record, its events, inputs, assets and the ledger cannot be
# edited, added or deleted.
READ_ONLY = {"changelist": 200, "add": 403, "change": 200, "history": 200, "delete": 403}
EDITABLE = {"changelist": 200, "add": 200, "change": 200, "history": 200, "delete": 200}
ADMIN_MODELS = {
    # Login lockouts: read, and deleted to unlock; never added by hand.
    "axes.accessattempt": {**EDITABLE, "add": 403},
    "axes.accesslog": {**EDITABLE, "add": 403},
    "axes.accessfailurelog": {**EDITABLE, "add": 403},
    "auth.group": EDITABLE,
    "auth.user": EDITABLE,
    "django_q.schedule": EDITABLE,
    "django_q.success": {**EDITABLE, "add": 403},
    "django_q.failure": {**EDITABLE, "add": 403},
    "django_q.ormq": {**EDITABLE, "add": 403},
    "generator.prompt": EDITABLE,
    "generator.generationtask": READ_ONLY,
    "generator.taskevent": READ_ONLY,
    "generator.asset": {**READ_ONLY, "delete": 200},  # a superuser may remove an image
    "generator.creditledgerentry": {**READ_ONLY, "add": 200},  # manual adjustments
    "generator.creditbalancesnapshot": {**READ_ONLY, "delete": 200},
    "generator.priceoverride": EDITABLE,
    # Read daily from kie.ai: read here, deleted to fall back on the catalog's price.
    "generator.publishedprice": {**READ_ONLY, "delete": 200},
    # One row, changed, never deleted (a second cannot be added).
    "generator.creditpolicy": {**EDITABLE, "add": 403, "delete": 403},
    "generator.budget": EDITABLE,
    "generator.budgetalert": {**READ_ONLY, "delete": 200},
    "generator.reconciliation": {**READ_ONLY, "delete": 200},
    "generator.comparison": READ_ONLY,
    "generator.joblease": {**READ_ONLY, "delete": 200},
    # The review trail, comments and callbacks are written by the studio, never by hand.
    "generator.assetreview": READ_ONLY,
    "generator.reviewevent": READ_ONLY,
    "generator.assetcomment": READ_ONLY,
    "generator.apicallback": READ_ONLY,
    "generator.apitoken": {**READ_ONLY, "delete": 200},  # made by the CLI, revoked here
    "generator.callbackhost": EDITABLE,
    # Marked by the studio (kie refused a model, or no longer lists it); admins add,
    # re-enable and disable.
    "generator.modelavailability": EDITABLE,
}


def _admin_model_entries() -> dict[str, Expect]:
    from django.contrib import admin

    registered = {model._meta.label_lower for model in admin.site._registry}
    entries = {}
    for model, views in ADMIN_MODELS.items():
        if model == "django_q.ormq" and model not in registered:
            continue  # django-q2 shows its ORM queue only when the ORM is the broker
        app_label, model_name = model.split(".")
        for view, superuser in views.items():
            name = f"admin:{app_label}_{model_name}_{view}"
            entries[name] = admin_site(403, superuser)
        # The old address of a change page redirects to the new one (admin_view first).
        change = Redirect(f"/admin/{app_label}/{model_name}/")
        entries[f"admin/{app_label}/{model_name}/<path:object_id>/"] = admin_site(change, change)
    return entries


MATRIX: dict[str, Expect] = {
    # The studio: people holding a role.
    "generator:home": everyone(Redirect("/gallery/")),
    "generator:generate": studio(200),
    "generator:estimate": studio(200),
    "generator:gallery": STUDIO_PAGE,
    "generator:gallery_live": studio(204),
    "generator:task": STUDIO_PAGE,
    "generator:task_rerun": studio(Redirect("/tasks/"), "POST"),
    "generator:task_cancel": studio(Redirect("/tasks/"), "POST"),
    # Free (a poll), rate-limited per task: anyone who may see the task may ask.
    "generator:task_check_now": studio(Redirect("/tasks/"), "POST"),
    "generator:asset": STUDIO_PAGE,
    # Review moves: a post without its fields is refused with a message (back to the page).
    "generator:asset_submit": studio(ASSET_PAGE, "POST"),
    "generator:asset_withdraw": studio(ASSET_PAGE, "POST"),
    "generator:asset_comment": studio(ASSET_PAGE, "POST", holders=EVERY_ROLE),
    "generator:asset_decide": studio(ASSET_PAGE, "POST", holders=APPROVERS),
    "generator:asset_provenance": STUDIO_PAGE,
    "generator:gallery_submit": studio(Redirect("/gallery/"), "POST"),
    "generator:review_queue": studio(200, holders=APPROVERS),
    "generator:my_submissions": STUDIO_PAGE,
    "generator:library": STUDIO_PAGE,
    "generator:library_zip": studio(Redirect("/library/")),  # nothing ticked
    "generator:asset_file": STUDIO_PAGE,
    "generator:asset_thumbnail": STUDIO_PAGE,
    # The factory's asset is an image: it has no poster nor waveform (404 past the login).
    "generator:asset_poster": studio(404),
    "generator:asset_waveform": studio(404),
    "generator:task_input_file": STUDIO_PAGE,
    # Music: a track's timed lyrics and music under a video (an image is neither a Suno
    # track nor a video: back to its task).
    "generator:asset_timed_lyrics": studio(Redirect("/tasks/"), "POST"),
    "generator:asset_soundtrack": studio(Redirect("/tasks/"), "POST"),
    # The API takes a token, never a session (tests/api/test_api_permissions.py has its
    # matrix by role); its schema and docs page are public.
    "api:openapi-json": everyone(200),
    "api:openapi-view": everyone(200),
    "api:api-root": everyone(404),
    "api:generations": everyone(401, "POST"),
    "api:generation": everyone(401),
    "api:asset_review": everyone(401),
    "api:asset_submit": everyone(401, "POST"),
    "api:asset_withdraw": everyone(401, "POST"),
    "api:asset_decision": everyone(401, "POST"),
    "api:asset_comment": everyone(401, "POST"),
    "api:asset_file": everyone(401),
    "api:asset_provenance": everyone(401),
    "api:approved": everyone(401),
    # Credits: the team's balance, budgets, analytics and comparisons.
    "generator:balance": studio(200),
    "generator:credits": studio(200),
    "generator:reconciliation": studio(200),
    "generator:analytics": studio(200),
    "generator:analytics_csv": studio(200),
    "generator:ledger_csv": studio(200),
    "generator:compare": studio(200),
    "generator:comparison": studio(200),
    # A winner must be one of the comparison's tasks: none is named here.
    "generator:comparison_winner": studio(404, "POST"),
    # Approving spending: admins only (generator.approve_spending).
    "generator:task_approve": studio(Redirect("/tasks/"), "POST", holders=("admin", "superuser")),
    "generator:task_reject": studio(Redirect("/tasks/"), "POST", holders=("admin", "superuser")),
    # Public by design: kie.ai posts here. It only brings a poll forward and says nothing.
    "generator:kie_callback": everyone(200, "POST"),
    # Accounts.
    "login": everyone(200),
    "logout": everyone(LOGIN_PAGE, "POST"),
    "favicon.ico": everyone(Redirect("/static/")),
    # Language: the switcher (the login page has it too) and studio.js's strings.
    "generator:set_language": everyone(Redirect("/"), "POST"),
    "javascript-catalog": everyone(200),
    # The admin: staff see its index (empty without permissions), admins everything.
    "admin:index": ADMIN_PAGE,
    "admin:login": Expect(200, 200, ADMIN_INDEX, 200, 200, ADMIN_INDEX, ADMIN_INDEX),
    "admin:logout": ADMIN_LOGOUT,
    "admin:password_change": ADMIN_PAGE,
    "admin:password_change_done": ADMIN_PAGE,
    "admin:autocomplete": admin_site(403, 403),  # 403 without its parameters
    "admin:jsi18n": ADMIN_PAGE,
    "admin:view_on_site": admin_site(ON_SITE, ON_SITE),
    "admin:app_list": admin_site(404, 200),  # staff: no app to show
    "admin:auth_user_password_change": admin_site(403, 200),
    "admin/(?P<url>.*)$": admin_site(404, 404),
    **_admin_model_entries(),
}  # fmt: skip


def _patterns(patterns=None, prefix="", namespace=""):
    """(key, route) for every URL: its name with namespace, or its route when unnamed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            route = prefix + str(pattern.pattern)
            yield (namespace + pattern.name if pattern.name else route), route


def _url(key: str, route: str, objects: dict) -> str:
    """A real address for the pattern, naming objects that exist."""
    task = objects[GenerationTask]
    by_pk = {
        "generator:asset": objects[Asset],
        "generator:asset_submit": objects[Asset],
        "generator:asset_withdraw": objects[Asset],
        "generator:asset_comment": objects[Asset],
        "generator:asset_decide": objects[Asset],
        "generator:asset_provenance": objects[Asset],
        "generator:asset_file": objects[Asset],
        "generator:asset_thumbnail": objects[Asset],
        "generator:asset_poster": objects[Asset],
        "generator:asset_waveform": objects[Asset],
        "generator:task_input_file": objects[TaskInput],
        "generator:asset_timed_lyrics": objects[Asset],
        "generator:asset_soundtrack": objects[Asset],
        "generator:comparison": objects[Comparison],
        "generator:comparison_winner": objects[Comparison],
    }
    if key.startswith("generator:") and "<int:pk>" in route:
        return reverse(key, kwargs={"pk": by_pk.get(key, task).pk})
    if key.startswith("api:") and "<task_id>" in route:
        return reverse(key, args=[task.pk])
    if key.startswith("api:") and "<asset_id>" in route:
        return reverse(key, args=[objects[Asset].pk])
    if key == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(GenerationTask)
        return reverse(key, kwargs={"content_type_id": content_type.pk, "object_id": task.pk})
    if key == "admin:app_list":
        return reverse(key, kwargs={"app_label": "generator"})
    if key == "admin:auth_user_password_change":
        return reverse(key, kwargs={"id": objects[get_user_model()].pk})
    if key == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if "<path:object_id>" in route:
        app_label, model_name = re.match(r"admin/(\w+?)/(\w+)/", route).groups()
        obj = objects[apps.get_model(app_label, model_name)]
        return "/" + route.replace("<path:object_id>", str(obj.pk))
    if ":" in key:
        return reverse(key)
    return "/" + route


def test_every_url_has_an_entry():
    keys = [key for key, _ in _patterns()]
    assert sorted(set(keys) - set(MATRIX)) == [], "add these URLs to MATRIX"
    assert sorted(set(MATRIX) - set(keys)) == [], "these MATRIX entries name no URL"


@pytest.fixture
def people(db):
    return {
        "anonymous": None,
        "user": person("visitor"),
        "staff": person("stefan", is_staff=True),
        "marketer": person("marie", "marketer"),
        "approver": person("paul", "approver"),
        "admin": person("ada", "admin"),
        "superuser": get_user_model().objects.create_superuser("root", password="pw"),
    }


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _outcome(response) -> int | Redirect:
    if response.status_code in (301, 302):
        return Redirect(response["Location"])
    return response.status_code


def _matches(outcome, expected) -> bool:
    if isinstance(expected, Redirect):
        return isinstance(outcome, Redirect) and outcome.to.startswith(expected.to)
    return outcome == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says_and_never_a_server_error(people, role):
    objects = make_one_of_each(people["marketer"], prompt=SECRET_PROMPT.decode())
    client = Client(raise_request_exception=False)
    if people[role]:
        client.force_login(people[role])
    wrong = []
    for key, route in _patterns():
        if key not in MATRIX:
            continue  # test_every_url_has_an_entry names it
        expected = MATRIX[key].of(role)
        url = _url(key, route, objects)
        try:
            if MATRIX[key].method == "POST":
                response = client.post(url, {}, content_type="application/json")
            else:
                response = client.get(url)
        except Exception as exc:  # noqa: BLE001 - any exception is a finding, reported below
            wrong.append(f"{key} {url}: raised {exc!r}")
            continue
        outcome = _outcome(response)
        if not _matches(outcome, expected) or response.status_code >= 500:
            wrong.append(f"{key} {url}: got {outcome}, expected {expected}")
        if role in NO_STUDIO and SECRET_PROMPT in _body(response):
            wrong.append(f"{key} {url}: shows a prompt to {role}")
        if key in ("logout", "admin:logout") and people[role]:
            client.force_login(people[role])  # logging out is what those URLs do
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
def test_anonymous_cannot_start_a_generation(client):
    response = client.post(
        "/generate/",
        {"model": "4o-image", "operation": "text-to-image", "prompt": "x", "size": "1:1"},
    )
    assert response.status_code == 302
    assert not GenerationTask.objects.exists()


HTMX_POLLS = [
    ("/gallery/live/?cards=1:x", "http://testserver/gallery/", "/login/?next=/gallery/"),
    ("/gallery/?q=cat", "http://testserver/gallery/?q=cat", "/login/?next=/gallery/%3Fq%3Dcat"),
    ("/generate/?model=4o-image", "http://testserver/generate/", "/login/?next=/generate/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "current", "login"), HTMX_POLLS)
def test_an_anonymous_htmx_request_sends_the_whole_page_to_login(client, url, current, login):
    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=current)
    assert response.status_code == 200
    assert response["HX-Redirect"] == login
    assert b"<form" not in response.content


@pytest.mark.django_db
def test_an_anonymous_htmx_request_from_elsewhere_goes_to_login_for_the_gallery(client):
    response = client.get(
        "/gallery/live/?cards=1:x",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="https://elsewhere.example/phish/",
    )
    assert response["HX-Redirect"] == "/login/?next=/gallery/"


@pytest.mark.django_db
def test_an_htmx_request_without_a_role_reloads_the_whole_page(client, staff):
    from tests.factories import make_task

    task = make_task(staff, state="RUNNING")
    client.force_login(get_user_model().objects.create_user("visitor", password="pw"))
    response = client.get(
        f"/tasks/{task.pk}/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="task-body",
        HTTP_HX_CURRENT_URL=f"http://testserver/tasks/{task.pk}/",
    )
    assert response["HX-Refresh"] == "true"
    assert b"Not allowed" not in response.content
