"""Pseudonymisation of personal identifiers: a keyed hash, applied before anything is written.

The token is ``ps_`` + the first 32 hex digits of HMAC-SHA256(key, normalised value). The same value
under the same key always gives the same token (so a citizen's dossiers still join across loads);
without the key a token cannot be recomputed from a guessed identifier. Keep the key stable: a new
key gives every person a new token.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

PREFIX = "ps_"
_HEX_CHARS = 32


def normalise(value: Any) -> str | None:
    """The text that is hashed: stripped; empty or None means "absent" (stays None)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def pseudonymise_value(value: Any, key: bytes) -> str | None:
    text = normalise(value)
    if text is None:
        return None
    if not key:
        raise ValueError("the pseudonymisation key is empty: set DTI_PSEUDONYM_KEY")
    digest = hmac.digest(key, text.encode("utf-8"), "sha256")
    return PREFIX + digest.hex()[:_HEX_CHARS]


def pseudonymise_records(
    records: Iterable[dict[str, Any]], fields: Iterable[str], key: bytes
) -> list[dict[str, Any]]:
    """Copies of ``records`` with ``fields`` replaced by their tokens (other fields untouched)."""
    fields = tuple(fields)
    tokens: dict[Any, str | None] = {}  # a person recurs across the versions of a batch
    out: list[dict[str, Any]] = []
    for record in records:
        copy = dict(record)
        for name in fields:
            if name in copy:
                value = copy[name]
                if not isinstance(value, str):
                    copy[name] = pseudonymise_value(value, key)
                    continue
                token = tokens.get(value)
                if token is None:
                    token = tokens[value] = pseudonymise_value(value, key)
                copy[name] = token
        out.append(copy)
    return out
