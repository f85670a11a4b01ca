"""The packaged nickname tables: the `nicknames` package's English CSV and our Spanish one."""

from __future__ import annotations

import functools
from importlib import resources

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.nicknames import NicknameTable, nickname_table

__all__ = ["packaged_nickname_table"]


@functools.cache
def packaged_nickname_table() -> NicknameTable:
    """Both tables read once per process and built into one equivalence."""
    english = resources.files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    return nickname_table(english, packaged_text("nicknames_es.csv"))
