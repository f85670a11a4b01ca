"""Commands: requester_cmd (to be filled)."""

from __future__ import annotations
