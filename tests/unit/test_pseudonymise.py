from __future__ import annotations

from dti.pseudonymise import pseudonymise_records, pseudonymise_value

KEY = b"k1"


def test_stable_and_normalised():
    token = pseudonymise_value("024090001234", KEY)
    assert token == pseudonymise_value("  024090001234\n", KEY)
    assert token.startswith("ps_") and len(token) == 3 + 32
    assert all(c in "0123456789abcdef" for c in token[3:])


def test_keyed():
    assert pseudonymise_value("024090001234", KEY) != pseudonymise_value("024090001234", b"k2")


def test_distinct_values_distinct_tokens():
    tokens = {pseudonymise_value(f"0240{n:08d}", KEY) for n in range(10_000)}
    assert len(tokens) == 10_000


def test_empty_stays_none():
    assert pseudonymise_value(None, KEY) is None
    assert pseudonymise_value("   ", KEY) is None
    assert pseudonymise_value("", KEY) is None


def test_records_only_named_fields_and_not_in_place():
    records = [{"ChuHoSo": "Nguyễn Văn An", "MaHoSo": "X-1", "Email": None}]
    out = pseudonymise_records(records, ["ChuHoSo", "Email"], KEY)
    assert out[0]["MaHoSo"] == "X-1" and out[0]["Email"] is None
    assert out[0]["ChuHoSo"].startswith("ps_")
    assert records[0]["ChuHoSo"] == "Nguyễn Văn An"
