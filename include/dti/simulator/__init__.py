"""Source simulator (placeholder docstring, see portal.py)."""
