"""Token auth (`Authorization: Bearer <token>`) and the permission check of every endpoint."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from generator.models import ApiToken


class TokenAuth(HttpBearer):
    """A usable token makes its owner the request's user; anything else is a 401."""

    def authenticate(self, request, token):
        row = ApiToken.authenticate(token)
        if row is None:
            return None
        request.user = row.user
        request.api_token = row
        return row


def require(request, permission: str) -> None:
    """403 unless the token's owner holds `permission` (generator.roles)."""
    if not request.user.has_perm(permission):
        raise HttpError(403, _("Your role does not allow this."))
