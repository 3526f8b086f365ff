"""The analysts' web application: a REST API (FastAPI) and the pages on it.

>>> from sarap.web import create_app, running_server
>>> app = create_app("demo/sarap.duckdb")          # doctest: +SKIP
>>> with running_server(app) as url: ...           # doctest: +SKIP
"""

from __future__ import annotations

from sarap.web._app import create_app
from sarap.web._server import running_server
from sarap.web._store import WebStore

__all__ = ["WebStore", "create_app", "running_server"]
