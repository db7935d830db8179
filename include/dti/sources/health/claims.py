"""Parser of the insurance claim files (Decision 4210/QĐ-BYT before 2023, 130/QĐ-BYT after).

A file is ``GIAMDINHHS > THONGTINHOSO > DANHSACHHOSO > HOSO*``; each ``HOSO`` (one treatment
episode) holds ``FILEHOSO{LOAIHOSO, NOIDUNGFILE}`` entries whose content is a base64 XML table.
Table XML1 (``TONG_HOP``) is the episode summary the warehouse keeps. The outer file is read with
``lxml.etree.iterparse`` one ``HOSO`` at a time (cleared after use), so a large file never sits
in memory as a tree. Decision 4210 names are mapped to the Decision 130 names of the contract;
``CHUAN_DU_LIEU`` says which standard the file used.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ._errors import FileRejected

FIELDS = (
    "MA_LK",
    "STT",
    "MA_BN",
    "HO_TEN",
    "SO_CCCD",
    "NGAY_SINH",
    "GIOI_TINH",
    "DIA_CHI",
    "DIEN_THOAI",
    "MATINH_CU_TRU",
    "MAHUYEN_CU_TRU",
    "MAXA_CU_TRU",
    "MA_THE_BHYT",
    "MA_BENH_CHINH",
    "MA_LOAI_KCB",
    "MA_KHOA",
    "MA_CSKCB",
    "NGAY_VAO",
    "NGAY_RA",
    "NGAY_TTOAN",
    "T_TONGCHI_BV",
    "T_TONGCHI_BH",
    "T_BNTT",
    "T_BNCCT",
    "T_BHTT",
    "CHUAN_DU_LIEU",
)
# Decision 4210 name -> contract (Decision 130) name
RENAMED_4210 = {"MA_THE": "MA_THE_BHYT", "MA_BENH": "MA_BENH_CHINH", "T_TONGCHI": "T_TONGCHI_BV"}
_KEEP = frozenset(FIELDS)


def _xml1_record(content: bytes, where: str) -> dict[str, str | None]:
    try:
        root = etree.fromstring(content, parser=_INNER)
    except etree.XMLSyntaxError as exc:
        raise FileRejected(f"{where}: table XML1 is not well-formed XML ({exc})") from exc
    if root.tag != "TONG_HOP":
        found = root.find(".//TONG_HOP")
        if found is None:
            raise FileRejected(f"{where}: table XML1 has no TONG_HOP element")
        root = found
    values: dict[str, str | None] = {}
    standard = "130"
    for child in root:
        tag = child.tag
        if tag in RENAMED_4210:
            standard = "4210"
            tag = RENAMED_4210[tag]
        if tag in _KEEP:
            text = (child.text or "").strip()
            values[tag] = text or None
    record = {f: values.get(f) for f in FIELDS}
    record["CHUAN_DU_LIEU"] = standard
    return record


_INNER = etree.XMLParser(resolve_entities=False, no_network=True)


def parse_claims(path: Path) -> Iterator[dict[str, str | None]]:
    """The XML1 episodes of one claim file, keyed by the contract's field names."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileRejected(f"{path.name}: empty file; ask the facility to send the day again")
    declared: int | None = None
    seen = 0
    context = etree.iterparse(
        str(path),
        events=("end",),
        tag=("HOSO", "SOLUONGHOSO"),
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
    )
    try:
        for _event, elem in context:
            if elem.tag == "SOLUONGHOSO":
                try:
                    declared = int((elem.text or "").strip())
                except ValueError:
                    raise FileRejected(
                        f"{path.name}: SOLUONGHOSO {elem.text!r} is not a number"
                    ) from None
                continue
            seen += 1
            where = f"{path.name} HOSO #{seen}"
            for entry in elem.iterfind("FILEHOSO"):
                if (entry.findtext("LOAIHOSO") or "").strip().upper() != "XML1":
                    continue
                try:
                    content = base64.b64decode(entry.findtext("NOIDUNGFILE") or "", validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise FileRejected(f"{where}: NOIDUNGFILE is not base64 ({exc})") from exc
                yield _xml1_record(content, where)
            elem.clear()
            parent = elem.getparent()
            while parent is not None and elem.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise FileRejected(
            f"{path.name}: not well-formed XML after {seen} episodes ({exc}); the file is "
            "probably truncated: ask the facility to send it again"
        ) from exc
    if declared is not None and declared != seen:
        raise FileRejected(
            f"{path.name}: SOLUONGHOSO says {declared} episodes, the file holds {seen}"
        )
