"""Web pages (placeholder until the web app lands): an empty router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
