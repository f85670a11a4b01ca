"""Adapters: storage, files and reference data behind the domain's ports."""
