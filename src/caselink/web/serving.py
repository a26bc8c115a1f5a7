"""The application as uvicorn loads it by name: built from the environment's settings.

`caselink serve` names this factory by its import string instead of importing the web package:
the CLI and the web application are independent entry points (an import-linter contract), and
an import string is how uvicorn is meant to be given an application.
"""

import os

from fastapi import FastAPI

from caselink.bootstrap import build
from caselink.web.app import create_app

FACTORY = "caselink.web.serving:from_environment"
SECURE_COOKIES_ENV = "CASELINK_WEB_SECURE_COOKIES"


def from_environment() -> FastAPI:
    """Build caselink from CASELINK_* settings (the database must be initialised) and its web
    application; CASELINK_WEB_SECURE_COOKIES=1 marks the session cookie Secure over http too."""
    application = build()
    application.require_schema()
    return create_app(application, secure_cookies=os.environ.get(SECURE_COOKIES_ENV) == "1")
