"""Logging in through the real login form."""


def log_in(page, url: str, username: str = "claire", password: str = "s3cret-pass") -> None:
    """Open `url`, which sends an anonymous visitor to the login form, and log in."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login button[type=submit]")


def make_person(username: str = "claire", role: str = "marketer", password: str = "s3cret-pass"):
    """An account holding a role (generator.roles), to log in with `log_in`."""
    from django.contrib.auth import get_user_model

    from generator import roles

    user = get_user_model().objects.create_user(username, password=password, first_name="")
    roles.assign(user, role)
    return user
