"""The README's "Where rules live" table stays true: every file it names exists, and every name
it gives in backticks is defined or used in one of the files named on the same row, so a
newcomer who follows it lands on the rule."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rows() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Where rules live", 1)[1].split("\n## ", 1)[0]
    found = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("question", "---"):
            found.append((cells[0], cells[1]))
    return found


def test_the_table_answers_the_questions_a_newcomer_asks() -> None:
    questions = " ".join(question for question, _where in rows())
    for asked in (
        "Who may change the due date?",
        "When is an overdue reminder sent?",
        "How does the report count overdue?",
    ):
        assert asked in questions


def test_every_file_and_name_in_the_table_is_where_it_says() -> None:
    for question, where in rows():
        quoted = re.findall(r"`([^`]+)`", where)
        paths = [ROOT / q for q in quoted if re.fullmatch(r"[\w/]+\.py|\w+/", q)]
        assert paths, f"{question}: names no file"
        for path in paths:
            assert path.exists(), f"{question}: {path.relative_to(ROOT)} does not exist"
        sources = "\n".join(
            file.read_text(encoding="utf-8")
            for path in paths
            for file in ([path] if path.is_file() else sorted(path.glob("*.py")))
        )
        for name in quoted:
            for identifier in re.findall(r"^[A-Za-z_][A-Za-z_0-9]*$", name.split("(")[0]):
                assert re.search(rf"\b{identifier}\b", sources), (
                    f"{question}: `{identifier}` is not in {[str(p.relative_to(ROOT)) for p in paths]}"
                )
