import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from imports.reading import WorkbookRefused, book_read
from imports.sources import (
    ImportFailed,
    Problem,
    SourceImportPlan,
    plan_for_book,
    source_import_apply,
)


class Command(BaseCommand):
    help = (
        "Import sources, themes, recommendations and action items from a workbook in the "
        "template's format (XLSX, or CSV for one sheet). Nothing is written with --dry-run or "
        "when any row is refused (exit status 1, the refusals listed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The workbook (.xlsx) or CSV file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and summarise; write nothing."
        )

    def _refuse(self, problems: list[Problem] | list[str]) -> None:
        self.stderr.write(self.style.ERROR(f"Refused ({len(problems)}); nothing was written:"))
        for problem in problems:
            self.stderr.write(f"  {problem}")
        sys.exit(1)

    def _summary(self, plan: SourceImportPlan) -> None:
        for label, created, updated, unchanged in plan.summary_rows():
            self.stdout.write(
                f"{label}: {created} created, {updated} updated, {unchanged} unchanged"
            )
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(warning))

    def handle(self, *args: object, **options: object) -> None:
        path = options["path"]
        assert isinstance(path, Path)
        translation.activate("en")  # an operator's output
        try:
            data = path.read_bytes()
        except OSError as error:
            self._refuse([f"{path}: {error.strerror or error}"])
        try:
            book = book_read(data, filename=path.name, csv_sheet_name=path.stem)
        except WorkbookRefused as error:
            self._refuse([f"{path.name}: {error}"])
        plan = plan_for_book(book)
        if not plan.ok:
            self._refuse(plan.problems)
        self._summary(plan)
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS("Dry run: nothing was written."))
            return
        if not plan.changes_anything:
            self.stdout.write(self.style.SUCCESS("Already up to date: nothing changed."))
            return
        try:
            source_import_apply(plan, actor=None)
        except ImportFailed as error:
            self._refuse(error.problems)
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}."))
