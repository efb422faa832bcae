from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from imports.roundtable import ROUNDTABLE_2021, DataFileError, source_load


class Command(BaseCommand):
    help = (
        "Load the 2021 Law Enforcement Roundtable on Drugs: source, themes, agencies, "
        "recommendations and action items. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=ROUNDTABLE_2021,
            help="Another data file of the same shape.",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        try:
            result = source_load(path)
        except DataFileError as error:
            raise CommandError(str(error)) from error
        for label, counter in (
            ("created", result.created),
            ("updated", result.updated),
            ("unchanged", result.unchanged),
        ):
            if counter:
                parts = ", ".join(f"{count} {name}" for name, count in sorted(counter.items()))
                self.stdout.write(f"{label}: {parts}")
        if not result.changed_anything:
            self.stdout.write(self.style.SUCCESS("Already up to date: nothing changed."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Loaded {path.name}."))
