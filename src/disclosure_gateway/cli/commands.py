"""Imports every command module so that each registers its commands."""

from __future__ import annotations

from disclosure_gateway.cli import (  # noqa: F401
    audit_cmd,
    batch_cmd,
    demo_cmd,
    explain_cmd,
    generate_cmd,
    master_cmd,
    model_cmd,
    requester_cmd,
    serve_cmd,
    staff_cmd,
)
