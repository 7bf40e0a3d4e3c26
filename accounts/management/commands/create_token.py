"""manage.py create_token EMAIL [--name N]: prints only the token."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import token_create


class Command(BaseCommand):
    help = "Create a personal API token for EMAIL and print it (it is not shown again)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, email, name, **options):
        try:
            user = User.objects.get_by_natural_key(email)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with e-mail {email}.") from exc
        _, raw = token_create(user=user, name=name)
        self.stdout.write(raw)
