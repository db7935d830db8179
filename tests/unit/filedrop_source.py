"""A file-drop source for the core's tests: semicolon CSV files, one per unit per day."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from dti.extract.files import FileRejected
from dti.sources import EntityMode, FileDrop, Source, SourceEntity, SourceField

READINGS = SourceEntity(
    source="droptest",
    name="readings",
    path="",
    fields=(
        SourceField("unit"),
        SourceField("reading_id"),
        SourceField("value"),
        SourceField("owner"),
    ),
    key=("reading_id",),
    mode=EntityMode.FILES,
    personal=frozenset({"owner"}),
    files=FileDrop(
        pattern=r"readings_(?P<unit>[A-Z]+)_(?P<period>\d{8})(?:_copy)?\.csv",
        parser=f"{__name__}:parse",
        period="day",
        expected_units=f"{__name__}:units",
    ),
)

SOURCE = Source(name="droptest", entities={"readings": READINGS})


def parse(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        if reader.fieldnames != ["unit", "reading_id", "value", "owner"]:
            raise FileRejected(
                f"{path.name}: header {reader.fieldnames} is not unit;reading_id;value;owner"
            )
        for n, row in enumerate(reader, start=2):
            if None in row.values():
                raise FileRejected(f"{path.name} row {n}: too few fields (truncated?)")
            yield row


def units(settings, period=None) -> list[str]:
    return ["AAA", "BBB", "CCC"]
