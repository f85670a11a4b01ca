"""Campaigns that attack the gateway's own stores, used by bench/ and tests (issue 6)."""
