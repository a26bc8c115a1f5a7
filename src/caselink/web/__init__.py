"""The web application: server-rendered pages and the JSON API under /api/v1."""

from caselink.web.app import create_app

__all__ = ["create_app"]
