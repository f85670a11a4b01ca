"""Fixtures for integration tests; the world they build lives in tests/support/world.py."""

from support.world import world

__all__ = ["world"]
