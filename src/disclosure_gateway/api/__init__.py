"""The HTTP API under /api/v1 for requesters' systems and the agency's staff."""
