"""DTI warehouse: a province's digital-transformation indicators, nightly, from its sources."""

__version__ = "0.1.0"
