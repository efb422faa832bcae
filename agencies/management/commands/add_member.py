from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Agency, Language, Membership
from agencies.services import member_add


class Command(BaseCommand):
    help = "Create the user if needed and give them a role in an agency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", required=True, help="Agency acronym, e.g. RCMP.")
        parser.add_argument("--role", required=True, choices=Membership.Role.values)
        parser.add_argument("--email")
        parser.add_argument("--password")
        parser.add_argument("--language", choices=Language.values)

    def handle(self, *args: object, **options: str | None) -> None:
        acronym = options["agency"] or ""
        agency = Agency.objects.filter(acronym__iexact=acronym).first()
        if agency is None:
            known = ", ".join(Agency.objects.values_list("acronym", flat=True)) or "none yet"
            raise CommandError(f"No agency {acronym!r}. Known acronyms: {known}.")
        try:
            user, membership, created = member_add(
                username=options["username"] or "",
                agency=agency,
                role=options["role"] or "",
                email=options["email"],
                password=options["password"],
                language=options["language"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {user.username}: {membership.get_role_display()} in {agency.acronym}."
            )
        )
