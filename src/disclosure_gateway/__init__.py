"""Disclosure Gateway: vets, matches, decides and accounts for §6103(i)(2) address requests."""

__version__ = "0.1.0"
