"""manage.py create_user EMAIL --password P [--admin]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user who logs in with EMAIL (use --admin for a superuser)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--password", required=True)
        parser.add_argument("--admin", action="store_true", help="Make the user staff and superuser.")
        parser.add_argument("--name", default="", help="Full name.")

    def handle(self, *args, email, password, admin, name, **options):
        try:
            validate_email(email)
            user = user_create(email=email, password=password, is_admin=admin, full_name=name)
        except (ValidationError, ValueError) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc)) from exc
        self.stdout.write(f"Created {'admin ' if admin else ''}user {user.email} (id {user.pk}).")
