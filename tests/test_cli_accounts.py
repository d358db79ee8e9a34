"""`kie user` and `kie token`: accounts with a role, and API tokens, for operators."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from generator import roles
from generator.models import ApiToken


def kie(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("kie", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_user_creates_an_account_with_a_role_and_prints_its_password_once():
    out, _ = kie("user", "nina", "--role", "marketer", "--email", "nina@example.com")
    password = re.search(r"password: (\S+)", out).group(1)
    user = get_user_model().objects.get(username="nina")
    assert user.check_password(password)
    assert user.email == "nina@example.com" and roles.role_of(user) == "Marketer"
    assert user.has_perm(roles.GENERATE) and not user.has_perm(roles.REVIEW)
    assert not user.is_staff


@pytest.mark.django_db
def test_user_updates_an_existing_account_without_touching_its_password():
    kie("user", "nina", "--role", "marketer")
    before = get_user_model().objects.get(username="nina").password
    out, _ = kie("user", "nina", "--role", "approver")
    assert out.strip() == "updated nina: approver" and "password" not in out
    user = get_user_model().objects.get(username="nina")
    assert user.password == before
    assert list(user.groups.values_list("name", flat=True)) == ["Approver"]
    kie("user", "nina", "--role", "admin")
    user = get_user_model().objects.get(username="nina")
    assert user.is_staff and roles.role_of(user) == "Admin"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "bad name!", "--role", "marketer"], "not a valid login name"),
        (["user", "nina", "--role", "marketer", "--email", "nope"], "not an e-mail address"),
        (["token", "nobody"], "no active account"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        kie(*args)


@pytest.mark.django_db
def test_user_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="invalid choice"):
        kie("user", "nina", "--role", "boss")


@pytest.mark.django_db
def test_token_prints_a_token_alone_and_stores_only_its_digest():
    kie("user", "pipeline", "--role", "marketer")
    out, err = kie("token", "pipeline", "--label", "posting pipeline")
    token = out.strip()
    assert "\n" not in token and token.startswith("ass_") and len(token) > 40
    row = ApiToken.objects.get()
    assert row.name == "posting pipeline" and row.user.username == "pipeline"
    assert token not in (row.digest, row.prefix) and token not in str(row.__dict__)
    assert ApiToken.authenticate(token) == row
    assert "revoke it in the admin" in err and token not in err


@pytest.mark.django_db
def test_token_refuses_an_account_without_a_role():
    get_user_model().objects.create_user("visitor")
    with pytest.raises(CommandError, match="holds no role"):
        kie("token", "visitor")


@pytest.mark.django_db
def test_generate_as_someone_without_a_role_is_refused(staff):
    get_user_model().objects.create_user("visitor")
    with pytest.raises(CommandError, match="may not generate"):
        kie("generate", "flux-kontext-pro", "--prompt", "x", "--user", "visitor")
