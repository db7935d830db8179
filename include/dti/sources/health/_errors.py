"""The parsers' way of refusing a file (the file-drop core quarantines it with the reason)."""

from __future__ import annotations

try:  # the file-drop core defines it; the parsers are also usable (and tested) without it
    from dti.extract.files import FileRejected
except ImportError:  # pragma: no cover - before the core is merged

    class FileRejected(ValueError):  # type: ignore[no-redef]
        """A file that cannot be read; the message names the file and what is wrong."""


__all__ = ["FileRejected"]
