"""Every question of docs/analyst-guide.md, run as the analyst on the demo warehouse (H1 2022):
its result must be the table printed under it, so the guide cannot rot."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dti.guide import cell, questions
from dti.warehouse import warehouse_url

from .conftest import Stack

pytestmark = pytest.mark.slow

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
QUESTIONS = questions(GUIDE.read_text())


@pytest.fixture(scope="module")
def analyst(h1: Stack):
    with psycopg.connect(warehouse_url(h1.settings, role="analyst"), autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.title.split(".")[0] for q in QUESTIONS])
def test_guide_answer(analyst: psycopg.Connection, question) -> None:
    cur = analyst.execute(question.sql)
    columns = [d.name for d in cur.description or []]
    rows = [[cell(v) for v in row] for row in cur.fetchall()]
    assert columns == question.header, question.title
    assert rows == question.rows, (
        f"{question.title}: the warehouse now answers differently; if the change is meant, "
        "rewrite the tables with `python -m dti.guide --write` and review the diff"
    )
