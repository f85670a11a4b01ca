"""Entry point: registers every command module and turns gateway errors into exit codes."""

from __future__ import annotations

import sys

from disclosure_gateway.cli import apps

# Command modules register themselves onto the apps when imported.
from disclosure_gateway.cli import commands as _commands  # noqa: F401
from disclosure_gateway.domain.errors import GatewayError


def run() -> None:
    """`dgw`: one line on stderr and SPEC §6 exit codes for every expected failure."""
    try:
        rc = apps.app(standalone_mode=False)
    except GatewayError as exc:
        apps.err.print(f"dgw: {exc}", markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            apps.err.print(f"dgw: {exc.format_message()}", markup=False, soft_wrap=True)
            sys.exit(2)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
    if isinstance(rc, int) and rc:
        sys.exit(rc)
