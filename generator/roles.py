"""The studio's roles: Django groups holding permissions, managed in the admin.

Marketers generate, submit and comment; approvers also approve, request changes and
reject; admins can do everything, including budgets (prices, the credit ledger) and
users, in the admin. Every view, API endpoint and admin action asks for a permission,
never for a group: an admin may build other groups from the same permissions.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import models

VIEW_STUDIO = "generator.view_studio"
GENERATE = "generator.generate"
SUBMIT = "generator.submit_asset"
COMMENT = "generator.comment_asset"
REVIEW = "generator.review_asset"

MARKETER, APPROVER, ADMIN = "Marketer", "Approver", "Admin"
ROLE_NAMES = {"marketer": MARKETER, "approver": APPROVER, "admin": ADMIN}
_MARKETER_PERMISSIONS = [VIEW_STUDIO, GENERATE, SUBMIT, COMMENT]
ROLE_PERMISSIONS: dict[str, list[str] | None] = {
    MARKETER: _MARKETER_PERMISSIONS,
    APPROVER: [*_MARKETER_PERMISSIONS, REVIEW],
    ADMIN: None,  # every permission there is
}


def ensure_roles(apps=global_apps) -> None:
    """Create the role groups that do not exist, with their permissions; the Admin group
    also gets every permission added since (a new model's). A role an admin changed keeps
    its changes. Runs after every migrate (a test database flushed between tests too)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, wanted in ROLE_PERMISSIONS.items():
        group, created = group_model.objects.get_or_create(name=name)
        if wanted is None:
            missing = permission_model.objects.exclude(group=group)
            group.permissions.add(*missing)
        elif created:
            group.permissions.add(*_permissions(permission_model, wanted))


def _permissions(permission_model, names: list[str]):
    query = models.Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= models.Q(content_type__app_label=app_label, codename=codename)
    return permission_model.objects.filter(query)


def assign(user, role: str) -> None:
    """Make `user` hold exactly this role (one of ROLE_NAMES): the other role groups are
    left, and only admins get into the admin (is_staff)."""
    group_model = global_apps.get_model("auth", "Group")
    ensure_roles()
    groups = {group.name: group for group in group_model.objects.filter(name__in=ROLE_PERMISSIONS)}
    user.groups.remove(*[group for name, group in groups.items() if name != ROLE_NAMES[role]])
    user.groups.add(groups[ROLE_NAMES[role]])
    user.is_staff = role == "admin"
    user.save(update_fields=["is_staff"])


def role_of(user) -> str:
    """The user's role name for display ("" when they hold none)."""
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for name in (ADMIN, APPROVER, MARKETER):
        if name in names:
            return name
    return ""


def holders(permission: str):
    """Active people holding `permission` (through a group, by themselves, or superusers)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    app_label, codename = permission.split(".")
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    who = models.Q(is_superuser=True)
    if found.exists():
        who |= models.Q(groups__permissions__in=found) | models.Q(user_permissions__in=found)
    people = get_user_model().objects.filter(is_active=True).filter(who)
    return get_user_model().objects.filter(pk__in=people.values("pk"))


def approvers(exclude=None):
    """Active people who may decide on a submission (e-mail recipients)."""
    people = holders(REVIEW)
    return people.exclude(pk=exclude.pk) if exclude is not None else people
