"""Entry point: registers every command module and turns gateway errors into exit codes."""

from __future__ import annotations

import sys

import typer

from disclosure_gateway.cli import apps

# Command modules register themselves onto the apps when imported.
from disclosure_gateway.cli import commands as _commands  # noqa: F401
from disclosure_gateway.domain.errors import GatewayError

USAGE_EXIT = 2  # click's exit code for a usage error (missing option, unknown command)


def run() -> None:
    """`dgw`: one line on stderr and SPEC §6 exit codes for every expected failure.

    Typer carries its own copy of click (`typer._click`): its usage errors are
    `typer.TyperException`s, not the installed click's `ClickException`, so they are
    recognised by that base and by the message method every one of them has."""
    try:
        rc = apps.app(standalone_mode=False)
    except GatewayError as exc:
        apps.err.print(f"dgw: {exc}", markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except (SystemExit, KeyboardInterrupt):
        raise
    except typer.Abort:
        sys.exit(1)
    except typer.TyperException as exc:  # a usage error: missing option, unknown command
        describe = getattr(exc, "format_message", None)
        message = describe() if callable(describe) else str(exc)
        apps.err.print(f"dgw: {message}", markup=False, soft_wrap=True)
        code = getattr(exc, "exit_code", USAGE_EXIT)
        sys.exit(code if isinstance(code, int) else USAGE_EXIT)
    if isinstance(rc, int) and rc:
        sys.exit(rc)
