"""The REST API and the pages that use it."""

from __future__ import annotations

import hmac
import logging
import re
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import (
    Depends,
    FastAPI,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

import sarap
from sarap.agents._run import _models_folder
from sarap.errors import SarapError
from sarap.pipeline import ingest
from sarap.pipeline._ingest import reason_in_russian
from sarap.store import Workspace
from sarap.web._queries import Views
from sarap.web._security import RateLimiter
from sarap.web._store import Session, WebStore

log = logging.getLogger("sarap.web")

COOKIE = "sarap_session"
STATIC = Path(__file__).parent / "static"
UPLOAD_TYPES = {".csv", ".parquet", ".xlsx", ".json", ".jsonl"}
# The upload form's encodings of CSV/JSON ("" detects it, UTF-16 too by its
# BOM): the region's code pages, and Western European and Turkish partners'.
Encoding = Literal[
    "", "utf-8", "cp1251", "kz1048", "koi8_r", "cp866", "cp1252", "cp1254"
]
# The reader's advice names the CLI's option; the form has a choice instead.
_ENCODING_ADVICE = {
    "pass --encoding": "choose the file's encoding on the form",
    "check --encoding": "choose another encoding on the form",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
}

# Of any length, as an import takes them (a long one loaded but did not open).
Id = Annotated[str, Field(min_length=1)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Code = Annotated[str | None, Query(max_length=64)]
# Search text: a full legal name pasted from a document is often longer than 64.
Search = Annotated[str | None, Query(max_length=300)]
Band = Literal["high", "medium", "low"]
Order = Literal["asc", "desc"]


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class Me(BaseModel):
    username: str
    role: str
    csrf_token: str
    expires_at: str


class OutcomeIn(BaseModel):
    declaration_id: Id
    fraud: bool
    additional_revenue: float | None = Field(
        default=None, ge=0, le=1e15, allow_inf_nan=False
    )


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=10, max_length=200)
    role: Literal["analyst", "auditor", "admin"]


class PasswordIn(BaseModel):
    password: str = Field(min_length=10, max_length=200)


# -- who is asking ---------------------------------------------------------
def signed_in(request: Request) -> Session:
    """The session of the request's cookie; unsafe methods need its CSRF token."""
    store: WebStore = request.app.state.store
    token = request.cookies.get(COOKIE)
    session = store.session(token) if token else None
    if session is None:
        raise HTTPException(401, "sign in first")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise HTTPException(
                403, "missing or wrong X-CSRF-Token header (cross-site request?)"
            )
    return session


def _role(*allowed: str) -> Any:
    def check(session: Annotated[Session, Depends(signed_in)]) -> Session:
        if session.role not in allowed:
            raise HTTPException(
                403,
                f"the {session.role} role may not do this "
                f"(needs {' or '.join(allowed)})",
            )
        return session

    return Depends(check)


Analyst = Annotated[Session, _role("analyst", "admin")]
Auditor = Annotated[Session, _role("auditor", "admin")]
Anyone = Annotated[Session, _role("analyst", "auditor", "admin")]
Admin = Annotated[Session, _role("admin")]


def create_app(
    workspace: str | Path,
    *,
    session_minutes: int = 480,
    max_upload_mb: int = 50,
    models: str | Path | None = None,
) -> FastAPI:
    """The web application over one workspace file.

    Parameters
    ----------
    workspace : str or Path
        A ``.duckdb`` workspace; the web tables (users, sessions, audit log)
        are added to it.
    session_minutes : int, default 480
        How long a sign-in lasts.
    max_upload_mb : int, default 50
        The largest file the upload page takes.
    models : str, Path or None
        The agents' model folder (default: beside the workspace, as for
        ``sarap run``).
    """
    ws = Workspace(workspace)
    store = WebStore(ws, session_minutes=session_minutes)
    views = Views(store, _models_folder(ws, models))
    # Five wrong passwords a user, twenty a client address (an office behind
    # one address has many users), within five minutes.
    per_user, per_client = RateLimiter(5), RateLimiter(20)
    upload_lock = threading.Lock()

    app = FastAPI(
        title="Sarap",
        version=sarap.__version__,
        description="Risk analysis for customs and tax authorities: the analysts' API.",
        openapi_url=None,  # served below, to signed-in users only
        docs_url=None,  # the bundled docs page loads scripts from a CDN
        redoc_url=None,
    )
    app.state.store = store
    app.state.views = views

    # -- errors: always JSON with one readable sentence --------------------
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse(
            {"detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "where": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg"),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"where": "request", "message": "invalid"}
        return JSONResponse(
            {"detail": f"{first['where']}: {first['message']}", "errors": errors},
            status_code=422,
        )

    @app.exception_handler(SarapError)
    async def sarap_error(request: Request, exc: SarapError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error; it was logged on the server"}, status_code=500
        )

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # -- public ------------------------------------------------------------
    @app.get("/api/health", tags=["public"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": sarap.__version__}

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return FileResponse(STATIC / "index.html")

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(session: Anyone) -> dict[str, Any]:
        return app.openapi()

    @app.post("/api/login", tags=["session"], responses={401: {}, 429: {}})
    def login(body: Login, request: Request, response: Response) -> Me:
        client = request.client.host if request.client else "unknown"
        wait = max(per_user.blocked(body.username), per_client.blocked(client))
        if wait > 0:
            raise HTTPException(
                429,
                f"too many failed sign-ins; try again in {wait:.0f} s",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        user_role = store.authenticate(body.username, body.password)
        if user_role is None:
            per_user.failed(body.username)
            per_client.failed(client)
            raise HTTPException(401, "wrong user name or password")
        per_user.clear(body.username)
        token, session = store.open_session(body.username, user_role)
        response.set_cookie(
            COOKIE,
            token,
            max_age=session_minutes * 60,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        store.audit(body.username, "sign_in", "session")
        return Me(**session.public())

    @app.post("/api/logout", status_code=204, tags=["session"])
    def logout(request: Request, session: Anyone) -> Response:
        store.close_session(request.cookies.get(COOKIE, ""))
        store.audit(session.username, "sign_out", "session")
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/api/me", tags=["session"])
    def me(session: Anyone) -> Me:
        return Me(**session.public())

    # -- customs queue -----------------------------------------------------
    @app.get("/api/queue/facets", tags=["customs"])
    def facets(session: Analyst) -> dict[str, Any]:
        return views.facets()

    @app.get("/api/queue", tags=["customs"])
    def queue(
        session: Analyst,
        date_from: date | None = None,
        date_to: date | None = None,
        office: Code = None,
        country: Code = None,
        chapter: Code = None,
        band: Band | None = None,
        q: Search = None,
        sort: Literal["risk", "date", "value", "declaration_id"] = "risk",
        order: Order = "desc",
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        return views.queue(
            date_from=date_from,
            date_to=date_to,
            office=office,
            country=country,
            chapter=chapter,
            band=band,
            q=q,
            sort=sort,
            order=order,
            page=page,
            page_size=page_size,
        )

    @app.get("/api/declarations/{declaration_id:path}", tags=["customs"])
    def declaration(declaration_id: str, session: Analyst) -> dict[str, Any]:
        _check_id(declaration_id)
        found = views.declaration(declaration_id)
        if found is None:
            raise HTTPException(404, f"no declaration {declaration_id!r}")
        store.audit(session.username, "view", "declaration", declaration_id)
        return found

    @app.post("/api/outcomes", tags=["customs"], responses={404: {}})
    def record_outcome(body: OutcomeIn, session: Analyst) -> dict[str, Any]:
        saved = views.record_outcome(
            body.declaration_id, body.fraud, body.additional_revenue
        )
        if saved is None:
            raise HTTPException(404, f"no declaration {body.declaration_id!r}")
        store.audit(
            session.username,
            "record_outcome",
            "declaration",
            body.declaration_id,
            {"fraud": body.fraud, "additional_revenue": body.additional_revenue},
        )
        return saved

    # -- taxpayers -----------------------------------------------------------
    @app.get("/api/taxpayers", tags=["taxpayers"])
    def taxpayers(
        session: Auditor,
        band: Band | None = None,
        q: Search = None,
        sort: Literal["score", "party_id"] = "score",
        order: Order = "desc",
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        return views.taxpayers(
            band=band, q=q, sort=sort, order=order, page=page, page_size=page_size
        )

    # A party id may hold '/' (as declaration ids do): the graph's route comes
    # first, or the profile's would take 'X/graph' for an id.
    @app.get("/api/taxpayers/{party_id:path}/graph", tags=["taxpayers"])
    def graph(
        party_id: str, session: Auditor, hops: Annotated[int, Query(ge=1, le=2)] = 2
    ) -> dict[str, Any]:
        _check_id(party_id)
        found = views.graph(party_id, hops)
        if found is None:
            raise HTTPException(404, f"no taxpayer {party_id!r}")
        store.audit(
            session.username, "view_graph", "taxpayer", party_id, {"hops": hops}
        )
        return found

    @app.get("/api/taxpayers/{party_id:path}", tags=["taxpayers"])
    def taxpayer(party_id: str, session: Auditor) -> dict[str, Any]:
        _check_id(party_id)
        found = views.taxpayer(party_id)
        if found is None:
            raise HTTPException(404, f"no taxpayer {party_id!r}")
        store.audit(session.username, "view", "taxpayer", party_id)
        return found

    # -- trade turnover ------------------------------------------------------
    @app.get("/api/turnover", tags=["trade"])
    def turnover(
        session: Anyone,
        by: Literal["partner", "pair", "chapter", "month"] = "partner",
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        country: Annotated[str | None, Query(pattern="^[A-Z]{2}$")] = None,
        partners: Annotated[
            str | None, Query(pattern=r"^[A-Z]{2}(,[A-Z]{2})*$", max_length=300)
        ] = None,
    ) -> dict[str, Any]:
        return views.turnover(
            by=by,
            year=year,
            country=country,
            partners=partners.split(",") if partners else None,
        )

    # -- admin ---------------------------------------------------------------
    @app.post("/api/uploads", tags=["admin"], responses={413: {}, 415: {}})
    def upload(
        session: Admin,
        file: Annotated[UploadFile, File()],
        mapping: Annotated[Literal["", "kcs"], Form()] = "",
        encoding: Annotated[Encoding, Form()] = "",
    ) -> dict[str, Any]:
        name = Path(file.filename or "upload").name
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOAD_TYPES:
            raise HTTPException(
                415,
                f"{name}: files of type {suffix or '(none)'} are not taken; "
                f"send {', '.join(sorted(UPLOAD_TYPES))}",
            )
        limit = max_upload_mb * 1024 * 1024
        with tempfile.TemporaryDirectory(prefix="sarap-upload-") as tmp:
            path = Path(tmp) / _fitted(name)
            size = 0
            with path.open("wb") as out:
                while chunk := file.file.read(1024 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise HTTPException(
                            413, f"{name}: larger than the {max_upload_mb} MB limit"
                        )
                    out.write(chunk)
            with upload_lock, Workspace(workspace) as target:
                try:
                    result = ingest(
                        target, path, mapping=mapping or None, encoding=encoding or None
                    )
                except SarapError as exc:
                    # Say which file the user sent, not where the server put it.
                    message = str(exc).replace(str(path), name)
                    for cli, form in _ENCODING_ADVICE.items():
                        message = message.replace(cli, form)
                    raise SarapError(message) from None
                # Recorded under the name sent: the temporary copy is gone.
                for table in ("ingest_batches", "quarantine"):
                    target.backend.execute(
                        f"UPDATE {table} SET file = ? WHERE batch_id = ?",
                        [name, result.batch_id],
                    )
                rows = target.sql(
                    "SELECT row_number, reason, raw FROM quarantine WHERE batch_id = ? "
                    "ORDER BY row_number LIMIT 100",
                    [result.batch_id],
                ).to_pylist()
        store.audit(
            session.username,
            "upload",
            "file",
            name,
            {"loaded": result.loaded, "quarantined": result.quarantined},
        )
        return {
            "file": name,
            "table": result.mapping,
            "rows_read": result.rows_read,
            "rows_loaded": result.loaded,
            "rows_duplicate": result.duplicates,
            "rows_quarantined": result.quarantined,
            "reasons": dict(result.reasons),
            "reasons_ru": {reason_in_russian(r): n for r, n in result.reasons.items()},
            "quarantine": [
                {**q, "reason_ru": reason_in_russian(q["reason"])} for q in rows
            ],
        }

    runs: dict[str, Any] = {"state": "idle"}
    run_lock = threading.Lock()

    def run_agents(user: str) -> None:
        from sarap.agents._run import run_all

        try:
            with Workspace(workspace) as target:
                report = run_all(target, model_dir=models)
            views.refresh(force=True)  # the pages show the new results from now
            runs.update(state="done", ran=report.ran, profiles=report.profiles)
        except Exception as exc:  # reported on GET /api/runs, and logged
            log.exception("sarap run from the web application failed")
            runs.update(state="failed", error=str(exc).splitlines()[0])
        finally:
            runs["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            store.audit(user, "run_agents", "workspace", None, {"state": runs["state"]})
            run_lock.release()

    @app.post("/api/runs", status_code=202, tags=["admin"], responses={409: {}})
    def start_run(session: Admin) -> dict[str, Any]:
        """Run every agent (as ``sarap run``) in the background: the outcomes
        recorded here become labels, new uploads get scored."""
        if not run_lock.acquire(blocking=False):
            raise HTTPException(409, "the agents are running already")
        runs.clear()
        runs.update(
            state="running",
            started_by=session.username,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        threading.Thread(
            target=run_agents, args=(session.username,), daemon=True
        ).start()
        return dict(runs)

    @app.get("/api/runs", tags=["admin"])
    def run_state(session: Admin) -> dict[str, Any]:
        return dict(runs)

    @app.get("/api/users", tags=["admin"])
    def users(session: Admin) -> list[dict[str, Any]]:
        return store.users()

    @app.post("/api/users", status_code=201, tags=["admin"], responses={400: {}})
    def add_user(body: UserIn, session: Admin) -> dict[str, Any]:
        store.add_user(body.username, body.password, body.role)
        store.audit(
            session.username, "add_user", "user", body.username, {"role": body.role}
        )
        return {"username": body.username, "role": body.role}

    # A user name may hold '/' (any printable text): the routes take the path.
    @app.post(
        "/api/users/{username:path}/password", tags=["admin"], responses={400: {}}
    )
    def set_password(username: str, body: PasswordIn, session: Admin) -> dict[str, Any]:
        """A new password for a user; their open sessions end."""
        store.set_password(username, body.password)
        store.audit(session.username, "set_password", "user", username)
        return {"username": username}

    @app.delete(
        "/api/users/{username:path}",
        status_code=204,
        tags=["admin"],
        responses={400: {}},
    )
    def remove_user(username: str, session: Admin) -> Response:
        """Remove a user (never the last admin, nor oneself); their sessions end."""
        if username == session.username:
            raise HTTPException(
                400, "you may not remove yourself: another admin can remove you"
            )
        store.remove_user(username)
        store.audit(session.username, "remove_user", "user", username)
        return Response(status_code=204)

    @app.get("/api/audit", tags=["admin"])
    def audit(
        session: Admin, page: Page = 1, page_size: PageSize = 50
    ) -> dict[str, Any]:
        return store.audit_page(page, page_size)

    @app.get("/api/audit/verify", tags=["admin"])
    def verify(session: Admin) -> dict[str, Any]:
        result = store.verify_audit()
        store.audit(session.username, "verify", "audit_log", None, {"ok": result["ok"]})
        return result

    return app


def _fitted(name: str) -> str:
    """``name`` cut to the 255 bytes a file system takes, its suffix kept."""
    suffix = Path(name).suffix
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > 255:
        stem = stem[:-1]
    return stem + suffix


# Any printable text of any length: an import takes ids as the files have
# them (EAEU numbers hold '/', others '+', ':', '#' or spaces).
_ID = re.compile(r"^[^\x00-\x1f\x7f]+$")


def _check_id(value: str) -> None:
    if not _ID.match(value):
        raise HTTPException(404, "no such record: an id has no control characters")
