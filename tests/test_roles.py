"""The roles: groups made by a data migration, their permissions, and what they open."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from generator import roles
from tests.conftest import person

roles_migration = import_module("generator.migrations.0010_roles_and_callback_schedule")


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.mark.django_db
def test_the_three_roles_exist_with_their_permissions():
    marketer = {roles.VIEW_STUDIO, roles.GENERATE, roles.SUBMIT, roles.COMMENT}
    assert codenames("Marketer") == marketer
    assert codenames("Approver") == marketer | {roles.REVIEW}
    assert len(codenames("Admin")) == Permission.objects.count()
    assert {"generator.change_priceoverride", "auth.add_user"} <= codenames("Admin")


@pytest.mark.django_db
def test_the_migration_makes_todays_staff_marketers_and_leaves_superusers_alone():
    Group.objects.all().delete()
    staff = get_user_model().objects.create_user("old-staff", is_staff=True)
    visitor = get_user_model().objects.create_user("visitor")
    root = get_user_model().objects.create_superuser("root")
    roles_migration.create_roles(apps, None)
    assert list(staff.groups.values_list("name", flat=True)) == ["Marketer"]
    assert not visitor.groups.exists() and not root.groups.exists()
    assert codenames("Approver") >= {roles.REVIEW, roles.GENERATE}


@pytest.mark.django_db
def test_a_role_an_admin_changed_keeps_its_changes_and_a_deleted_one_comes_back():
    marketer = Group.objects.get(name="Marketer")
    marketer.permissions.remove(Permission.objects.get(codename="comment_asset"))
    Group.objects.filter(name="Approver").delete()
    roles.ensure_roles()
    assert roles.COMMENT not in codenames("Marketer")
    assert roles.REVIEW in codenames("Approver")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "can_generate", "can_review", "staff"),
    [
        ("marketer", True, False, False),
        ("approver", True, True, False),
        ("admin", True, True, True),
    ],
)
def test_assign_gives_exactly_one_role(role, can_generate, can_review, staff):
    user = person("someone", "approver")
    roles.assign(user, role)
    user = get_user_model().objects.get(pk=user.pk)  # permissions are cached per object
    assert user.groups.count() == 1
    assert user.has_perm(roles.GENERATE) is can_generate
    assert user.has_perm(roles.REVIEW) is can_review
    assert user.is_staff is staff
    assert roles.role_of(user) == roles.ROLE_NAMES[role]


@pytest.mark.django_db
def test_approvers_are_the_people_who_may_decide(staff, approver):
    admin = person("ada", "admin")
    root = get_user_model().objects.create_superuser("root")
    gone = person("gone", "approver", is_active=False)
    found = set(roles.approvers())
    assert found == {approver, admin, root}
    assert gone not in found and staff not in found
    assert approver not in set(roles.approvers(exclude=approver))


@pytest.mark.django_db(transaction=True)
def test_the_roles_survive_a_flushed_database():
    # Transactional tests flush every table between them; post_migrate makes the roles again.
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) == {"Marketer", "Approver", "Admin"}
    assert roles.REVIEW in codenames("Approver")
