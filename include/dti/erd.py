"""The star schemas of the marts as Mermaid erDiagrams, generated from the dbt YAML.

Read from the models' YAML (no dbt run, no warehouse): every model of `models/marts/**`,
`models/indicators/` and `models/data_quality/`; keys from the tests (`unique` or a
`unique_combination` = PK, `relationships` to another mart = FK and an edge of the diagram).
`docs/analyst-guide.md` carries the output between two markers; `dti docs --diagram` rewrites it
and tests/unit/test_analyst_docs.py fails while the guide and the models disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MODEL_DIRS = ("models/marts", "models/indicators", "models/data_quality")
BEGIN = "<!-- BEGIN GENERATED DIAGRAM (dti docs --diagram) -->"
END = "<!-- END GENERATED DIAGRAM -->"
GUIDE = Path("docs/analyst-guide.md")

# which star a model is drawn in (a model not listed falls in "other": a later source's marts
# still appear, in a diagram of their own)
STARS: dict[str, tuple[str, ...]] = {
    "Public services (portal)": ("fct_dossier", "dim_agency", "dim_procedure"),
    "Health": (
        "fct_health_payment",
        "fct_insured_episode",
        "dim_health_facility",
        "dim_health_facility_capability",
        "dim_health_facility_location",
    ),
    "Education": ("fct_school_month", "dim_school"),
    "Police": ("fct_citizen_id_daily", "fct_camera_case_month", "dim_camera"),
    "Decision 766 service index": ("service_index", "service_index_dossier_detail"),
    "Indicators and data quality": (
        "indicator_values",
        "source_completeness",
        "data_quality_issues",
    ),
}
SHARED_DIMENSIONS = ("dim_administrative_unit", "dim_date")


@dataclass
class Model:
    name: str
    keys: list[str] = field(default_factory=list)
    foreign: dict[str, str] = field(default_factory=dict)
    """column -> referenced model"""
    types: dict[str, str] = field(default_factory=dict)


def _tests(column: dict) -> list:
    return list(column.get("data_tests") or column.get("tests") or [])


def load_models(dbt_project: Path) -> dict[str, Model]:
    models: dict[str, Model] = {}
    for folder in MODEL_DIRS:
        for path in sorted((dbt_project / folder).rglob("*.yml")):
            doc = yaml.safe_load(path.read_text()) or {}
            for entry in doc.get("models") or []:
                model = Model(entry["name"])
                for test in entry.get("data_tests") or []:
                    if isinstance(test, dict) and "unique_combination" in test:
                        spec = test["unique_combination"]
                        spec = spec.get("arguments", spec)
                        model.keys = [c for c in spec["columns"] if c not in model.keys]
                for column in entry.get("columns") or []:
                    name = column["name"]
                    if column.get("data_type"):
                        model.types[name] = str(column["data_type"]).replace(" ", "_")
                    for test in _tests(column):
                        if test == "unique" and name not in model.keys:
                            model.keys.append(name)
                        if isinstance(test, dict) and "relationships" in test:
                            spec = test["relationships"]
                            spec = spec.get("arguments", spec)
                            target = re.search(r"ref\('([^']+)'\)", spec["to"])
                            if target:
                                model.foreign[name] = target.group(1)
                models[model.name] = model
    return models


def _entity(model: Model) -> list[str]:
    lines = [f"    {model.name} {{"]
    columns = list(model.keys) + [c for c in model.foreign if c not in model.keys]
    for column in columns:
        marks = []
        if column in model.keys:
            marks.append("PK")
        if column in model.foreign:
            marks.append("FK")
        kind = model.types.get(column, "text" if column.endswith("code") else "key")
        lines.append(f"        {kind} {column} {', '.join(marks)}".rstrip())
    lines.append("    }")
    return lines


def render(dbt_project: Path) -> str:
    """The Markdown of every star: a heading and a ```mermaid erDiagram block each."""
    models = load_models(dbt_project)
    placed = {name for names in STARS.values() for name in names} | set(SHARED_DIMENSIONS)
    stars = dict(STARS)
    others = tuple(sorted(name for name in models if name not in placed))
    if others:
        stars["Other marts"] = others
    out: list[str] = []
    for title, names in stars.items():
        present = [models[n] for n in names if n in models]
        if not present:
            continue
        drawn = {m.name for m in present}
        edges = []
        for model in present:
            for column, target in sorted(model.foreign.items()):
                if target in models:
                    drawn.add(target)
                    edges.append(f'    {target} ||--o{{ {model.name} : "{column}"')
        out.append(f"#### {title}\n")
        out.append("```mermaid")
        out.append("erDiagram")
        for name in sorted(drawn, key=lambda n: (n not in names, n)):
            out.extend(_entity(models[name]))
        out.extend(edges)
        out.append("```\n")
    return "\n".join(out)


def guide_section(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip("\n")


def update_guide(home: Path) -> bool:
    """Rewrite the generated section of the guide; True when it changed."""
    guide = home / GUIDE
    text = guide.read_text()
    current = guide_section(text)
    fresh = render(home / "dbt_project").strip("\n")
    if current == fresh:
        return False
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    guide.write_text(text[:start] + "\n" + fresh + "\n" + text[end:])
    return True


def documented_columns(dbt_project: Path) -> dict[str, dict[str, str]]:
    """model -> column -> description, for every model of the marts schema's YAML."""
    out: dict[str, dict[str, str]] = {}
    for folder in MODEL_DIRS:
        for path in sorted((dbt_project / folder).rglob("*.yml")):
            doc = yaml.safe_load(path.read_text()) or {}
            for entry in doc.get("models") or []:
                out[entry["name"]] = {
                    c["name"]: " ".join(str(c.get("description") or "").split())
                    for c in entry.get("columns") or []
                }
    return out
