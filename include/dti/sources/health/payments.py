"""Parser of the cashier payment exports: one CSV per unit per day (docs/health_source.md).

The units' cashier programs export UTF-8 CSV, some with an Excel byte-order mark and a totals
row ("Tổng cộng") at the bottom, some with blank lines. Records keep the source's strings; the
totals row and blank lines are not records. The file is read line by line.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ._errors import FileRejected

FIELDS = ("MaGiaoDich", "ThoiGian", "SoTien", "MucDich", "HinhThuc", "MaDonVi")


def _is_totals(cells: list[str]) -> bool:
    first = unicodedata.normalize("NFC", cells[0]).strip().lower() if cells else ""
    return first.startswith(("tổng", "tong", "total"))


def parse_payments(path: Path) -> Iterator[dict[str, str | None]]:
    """The transactions of one export, keyed by the contract's field names."""
    path = Path(path)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                raise FileRejected(
                    f"{path.name}: empty file, no header row; ask the unit to export the day again"
                )
            names = [h.strip() for h in header]
            missing = [f for f in FIELDS if f not in names]
            if missing:
                raise FileRejected(
                    f"{path.name}: header {names} lacks {missing}; expected {list(FIELDS)}"
                )
            pos = [names.index(f) for f in FIELDS]
            for line, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells) or _is_totals(cells):
                    continue
                if len(cells) != len(names):
                    raise FileRejected(
                        f"{path.name} line {line}: {len(cells)} cells where the "
                        f"header has {len(names)} (a cut or malformed row)"
                    )
                yield {f: (cells[i].strip() or None) for f, i in zip(FIELDS, pos, strict=True)}
    except UnicodeDecodeError as exc:
        raise FileRejected(f"{path.name}: not UTF-8 text ({exc}); re-export as UTF-8") from exc
