"""The questions of docs/analyst-guide.md: each a `### Q<n>. ...` heading, one ```sql block and
the answer on the demo data (H1 2022) as a Markdown table right under it.

tests/e2e/test_analyst_guide.py runs every query as the analyst and compares the result with
its table, cell by cell as :func:`cell` prints it. `python -m dti.guide --write` reruns the
queries on the running warehouse and rewrites the tables (after a deliberate change of the demo
data or of a model: review the diff).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

QUESTION = re.compile(r"^### (Q\d+\..*)$", re.MULTILINE)
SQL_BLOCK = re.compile(r"```sql\n(.*?)```\n", re.DOTALL)


@dataclass(frozen=True)
class Question:
    title: str
    sql: str
    header: list[str]
    rows: list[list[str]]
    table_span: tuple[int, int]
    """Where the answer table sits in the guide's text (start, end)."""


def cell(value: object) -> str:
    """How the guide prints a value: numbers as PostgreSQL returns them, dates ISO, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("|", "\\|")


def _split_row(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def questions(text: str) -> list[Question]:
    out = []
    heads = list(QUESTION.finditer(text))
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        section_start = head.end()
        body = text[section_start:end]
        sql = SQL_BLOCK.search(body)
        if not sql:
            out.append(Question(head.group(1), "", [], [], (0, 0)))
            continue
        after = sql.end()
        lines = body[after:].split("\n")
        # the answer: the first table after the SQL (blank lines and one caption line allowed)
        offset = after
        header: list[str] = []
        rows: list[list[str]] = []
        start = stop = None
        for line in lines:
            if line.startswith("|"):
                if start is None:
                    start = section_start + offset
                if not header:
                    header = _split_row(line)
                elif not re.fullmatch(r"\|[\s:|-]+\|", line.strip()):
                    rows.append(_split_row(line))
                stop = section_start + offset + len(line)
            elif start is not None:
                break
            offset += len(line) + 1
        out.append(
            Question(
                head.group(1),
                sql.group(1),
                header,
                rows,
                (start or 0, stop or 0),
            )
        )
    return out


def table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def run(dsn: str, sql: str) -> tuple[list[str], list[tuple]]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        cur = conn.execute(sql)
        return [d.name for d in cur.description or []], cur.fetchall()


def write_answers(guide: Path, dsn: str) -> int:
    """Rerun every question and put its result table under it; returns how many changed."""
    text = guide.read_text()
    changed = 0
    for question in reversed(questions(text)):
        columns, rows = run(dsn, question.sql)
        fresh = table(columns, rows)
        start, stop = question.table_span
        if not start:
            # no table yet: right after the SQL block
            at = text.index(question.sql) + len(question.sql) + len("```\n")
            text = text[:at] + "\n" + fresh + "\n" + text[at:]
            changed += 1
        elif text[start:stop] != fresh:
            text = text[:start] + fresh + text[stop:]
            changed += 1
    guide.write_text(text)
    return changed


def main() -> None:
    from dti.config import load_settings
    from dti.warehouse import warehouse_url

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the answer tables")
    args = parser.parse_args()
    settings = load_settings()
    guide = settings.home / "docs" / "analyst-guide.md"
    dsn = warehouse_url(settings, role="analyst")
    if args.write:
        print(f"{write_answers(guide, dsn)} answer tables rewritten in {guide}")
        return
    for question in questions(guide.read_text()):
        columns, rows = run(dsn, question.sql)
        same = [columns, [[cell(v) for v in r] for r in rows]] == [question.header, question.rows]
        print(f"{'ok  ' if same else 'DIFF'} {question.title}")


if __name__ == "__main__":
    main()
