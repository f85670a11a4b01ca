"""Disclosure Gateway."""
