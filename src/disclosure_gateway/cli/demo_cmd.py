"""Commands: demo_cmd (to be filled)."""

from __future__ import annotations
