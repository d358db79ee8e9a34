"""Logging in through the real login form."""


def log_in(page, url: str, username: str = "claire", password: str = "s3cret-pass") -> None:
    """Open `url`, which sends an anonymous visitor to the login form, and log in."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login button[type=submit]")
