"""The README's table of demo accounts says who each account is, as the pages name them."""

import re
from pathlib import Path

from recommendations.demo import DEMO_ACCOUNTS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_names_every_demo_account_as_the_pages_do():
    rows = {
        match["username"]: (match["name"].strip(), match["agency"])
        for match in re.finditer(
            r"^\| `(?P<username>[a-z.]+)` +\| (?P<name>[^|]+)\| \w+ +\| (?P<agency>[A-Z]+)",
            README.read_text(),
            flags=re.M,
        )
    }
    assert rows == {
        account.username: (f"{account.first_name} {account.last_name}", account.agency)
        for account in DEMO_ACCOUNTS
    }
