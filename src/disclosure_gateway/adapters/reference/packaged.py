"""Reference data shipped inside the package (policy defaults, ZIP prefixes, name tables)."""

from __future__ import annotations

from importlib import resources


def packaged_text(name: str) -> str:
    """The text of a data file shipped in `disclosure_gateway/data/`."""
    return resources.files("disclosure_gateway").joinpath("data", name).read_text(encoding="utf-8")
