"""The analysts' documentation stays complete and in sync, without a warehouse (cheap).

- Every model of the marts schema (models/marts/**, indicators, data_quality) and every column
  has a description in Vietnamese and in English, in the project's one convention:
  ``<Vietnamese> / <English>`` (the English part has no Vietnamese letters).
- The star-schema diagrams of docs/analyst-guide.md are what `dti docs --diagram` generates
  from the models now.
- The guide asks at least 12 questions, each with its SQL and the answer under it
  (tests/e2e/test_analyst_guide.py runs them on the demo warehouse).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dti.erd import GUIDE, MODEL_DIRS, guide_section, render
from dti.guide import questions

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / "dbt_project"
VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)


def is_bilingual(description: object) -> bool:
    """``Vietnamese / English``: some split at a " / " leaves Vietnamese letters on the left and
    an English text (letters, no Vietnamese ones) on the right."""
    text = " ".join(str(description or "").split())
    parts = text.split(" / ")
    for i in range(1, len(parts)):
        vi, en = " / ".join(parts[:i]), " / ".join(parts[i:])
        if VIETNAMESE.search(vi) and re.search(r"[A-Za-z]{3}", en) and not VIETNAMESE.search(en):
            return True
    return False


def test_the_convention_itself() -> None:
    assert is_bilingual("Mã hồ sơ / Dossier code.")
    assert is_bilingual("Giá trị = tử số / mẫu số / Value = numerator / denominator.")
    assert not is_bilingual("Dossier code.")
    assert not is_bilingual("Mã hồ sơ")
    assert not is_bilingual("Mã hồ sơ / Mã")
    assert not is_bilingual(None)


def test_every_mart_and_column_in_vietnamese_and_english() -> None:
    missing = []
    models = 0
    for folder in MODEL_DIRS:
        for path in sorted((DBT / folder).rglob("*.yml")):
            for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
                models += 1
                if not is_bilingual(model.get("description")):
                    missing.append(f"{path.name}: model {model['name']}")
                columns = model.get("columns") or []
                if not columns:
                    missing.append(f"{path.name}: model {model['name']} lists no columns")
                for column in columns:
                    if not is_bilingual(column.get("description")):
                        missing.append(f"{path.name}: {model['name']}.{column['name']}")
    assert models >= 19
    assert missing == [], (
        "describe these as '<Vietnamese> / <English>' in the dbt YAML:\n" + "\n".join(missing)
    )


def test_guide_diagram_is_generated_from_the_models() -> None:
    guide = (ROOT / GUIDE).read_text()
    assert guide_section(guide) == render(DBT).strip("\n"), (
        "docs/analyst-guide.md's diagram is out of date: run `dti docs --diagram`"
    )


def test_guide_has_at_least_twelve_answered_questions() -> None:
    asked = questions((ROOT / GUIDE).read_text())
    assert len(asked) >= 12
    for question in asked:
        assert question.sql.strip().lower().startswith(("select", "with")), question.title
        assert question.header, f"{question.title}: no answer table under its SQL"
