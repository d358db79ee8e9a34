"""The routing table the app assembles from its family modules' ROUTES."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from generator.sandbox import account, gpt4o_image
from generator.sandbox.api import Route
from generator.sandbox.app import route_table
from generator.sandbox.faults import CREATE


def _family(name: str, routes: dict[str, Route]) -> SimpleNamespace:
    return SimpleNamespace(__name__=name, ROUTES=routes)


def test_route_table_holds_every_module_route():
    table = route_table([gpt4o_image, account])
    assert table == {**gpt4o_image.ROUTES, **account.ROUTES}


def test_a_path_claimed_by_two_family_modules_is_refused():
    def create(app, request):
        return {"taskId": "t"}

    first = _family("first", {"/api/v1/jobs/createTask": Route("POST", create, CREATE)})
    second = _family("second", {"/api/v1/jobs/createTask": Route("GET", create, CREATE)})
    with pytest.raises(ValueError, match=r"/api/v1/jobs/createTask is routed twice.*second"):
        route_table([first, second])
