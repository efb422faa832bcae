from django.core.management.base import BaseCommand

from recommendations.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    demo_accounts_create,
    demo_history_create,
)


class Command(BaseCommand):
    help = (
        "Create demo accounts and a plausible history (run load_roundtable first). For demos only."
    )

    def handle(self, *args: object, **options: object) -> None:
        demo_accounts_create()
        written = demo_history_create()
        if written:
            self.stdout.write(f"Recorded {written} back-dated progress updates.")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<15} {account.role:<12} {account.agency}")
