"""The parsers' way of refusing a file (the file-drop core quarantines it with the reason)."""

from dti.extract.files import FileRejected

__all__ = ["FileRejected"]
