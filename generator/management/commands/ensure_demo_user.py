"""Create a demo staff account on a fresh install, and say how to log in."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from autoscale.settings import VAR_DIR


class Command(BaseCommand):
    help = "Create the demo staff account if no staff account exists, and print its login."

    def handle(self, *args, **options):
        users = get_user_model().objects
        login_file = VAR_DIR / "demo-login.txt"
        if users.filter(is_staff=True).exists():
            if login_file.exists() and users.filter(username="demo").exists():
                self.stdout.write(login_file.read_text().strip())
            else:
                self.stdout.write("Log in with your staff account.")
            return
        password = secrets.token_urlsafe(9)
        users.create_superuser("demo", "demo@example.com", password)
        text = f"Demo login: user 'demo', password '{password}' (stored in {login_file})"
        login_file.write_text(text + "\n")
        login_file.chmod(0o600)
        self.stdout.write(text)
