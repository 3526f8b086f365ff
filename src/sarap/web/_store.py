"""What the web application keeps in the workspace: users, sessions, audit log.

The tables live beside the data model's in the same DuckDB file. Each
request thread reads and writes through its own cursor on one shared
connection (DuckDB's way to use one database from many threads).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from sarap.errors import SarapError
from sarap.store import Workspace
from sarap.web._security import (
    ROLES,
    check_new_password,
    check_password,
    hash_password,
    new_token,
    token_digest,
)

WEB_DDL = """
CREATE TABLE IF NOT EXISTS web_users (
    username VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_sha256 VARCHAR PRIMARY KEY, username VARCHAR NOT NULL,
    csrf_token VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq BIGINT PRIMARY KEY, "at" TIMESTAMP NOT NULL, username VARCHAR NOT NULL,
    action VARCHAR NOT NULL, object_type VARCHAR NOT NULL, object_id VARCHAR,
    detail VARCHAR, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL
);
"""

GENESIS = "0" * 64


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    csrf_token: str
    expires_at: datetime

    def public(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "csrf_token": self.csrf_token,
            "expires_at": self.expires_at.isoformat(timespec="seconds") + "Z",
        }


def entry_hash(prev: str, entry: dict[str, Any]) -> str:
    """The hash of one audit entry, chained to the one before it."""
    fields = [
        str(entry["seq"]),
        entry["at"].isoformat(timespec="microseconds"),
        entry["username"],
        entry["action"],
        entry["object_type"],
        entry["object_id"] or "",
        entry["detail"] or "",
        prev,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


class WebStore:
    """Users, sessions and the audit log of one workspace.

    Parameters
    ----------
    workspace : Workspace
        An open DuckDB workspace; its connection is shared by every thread.
    session_minutes : int, default 480
        How long a sign-in lasts.
    """

    def __init__(self, workspace: Workspace, session_minutes: int = 480):
        con = getattr(workspace.backend, "con", None)
        if not isinstance(con, duckdb.DuckDBPyConnection):
            raise SarapError("the web application runs on the duckdb backend")
        self.workspace = workspace
        self.con = con
        self.session_minutes = session_minutes
        self._local = threading.local()
        self._audit_lock = threading.Lock()
        self._users_lock = threading.Lock()
        con.execute(WEB_DDL)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor."""
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self.con.cursor()
            self._local.cur = cur
        return cur

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.cursor().execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # -- users ---------------------------------------------------------------
    def add_user(self, username: str, password: str, role: str) -> None:
        if role not in ROLES:
            raise SarapError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if username != username.strip():
            raise SarapError(
                "a user name may not begin or end with a space, nor be blank"
            )
        if not username or len(username) > 64 or not username.isprintable():
            raise SarapError("a user name has 1 to 64 printable characters")
        if why := check_new_password(password):
            raise SarapError(why)
        exists = SarapError(f"user {username!r} exists already")
        hashed = hash_password(password)  # slow: not under the lock
        # The check and the insert under one lock: the same name sent twice
        # at once (a double click) could pass the check twice, and DuckDB
        # then failed the second commit (a 500), not always as a constraint.
        with self._users_lock:
            # 'ADMIN' beside 'admin' (or 'нурлан' beside 'Нурлан') would read
            # as one person in the audit log: names are unique ignoring case.
            for (other,) in (
                self.cursor().execute("SELECT username FROM web_users").fetchall()
            ):
                if other == username:
                    raise exists
                if other.casefold() == username.casefold():
                    raise SarapError(
                        f"user {other!r} exists already; {username!r} differs "
                        "from it only in case: choose another name"
                    )
            try:
                self.cursor().execute(
                    "INSERT INTO web_users VALUES (?, ?, ?, ?)",
                    [username, hashed, role, _now()],
                )
            except duckdb.ConstraintException:  # added by another process
                raise exists from None

    def remove_user(self, username: str) -> None:
        """Remove a user and end their sessions; never the last admin."""
        found = self.query("SELECT role FROM web_users WHERE username = ?", [username])
        if not found:
            raise SarapError(f"no user {username!r}")
        admins = self.query("SELECT count(*) AS n FROM web_users WHERE role = 'admin'")
        if found[0]["role"] == "admin" and admins[0]["n"] == 1:
            raise SarapError(
                f"{username!r} is the only admin: add another admin before "
                "removing this one"
            )
        cur = self.cursor()
        cur.execute("DELETE FROM web_sessions WHERE username = ?", [username])
        cur.execute("DELETE FROM web_users WHERE username = ?", [username])

    def set_password(self, username: str, password: str) -> None:
        """A new password for a user; their open sessions end."""
        if why := check_new_password(password):
            raise SarapError(why)
        if not self.query("SELECT 1 FROM web_users WHERE username = ?", [username]):
            raise SarapError(f"no user {username!r}")
        cur = self.cursor()
        cur.execute(
            "UPDATE web_users SET password_hash = ? WHERE username = ?",
            [hash_password(password), username],
        )
        cur.execute("DELETE FROM web_sessions WHERE username = ?", [username])

    def users(self) -> list[dict[str, Any]]:
        return self.query(
            "SELECT username, role, created_at FROM web_users ORDER BY username"
        )

    def authenticate(self, username: str, password: str) -> str | None:
        """The user's role when the password is right, else None."""
        found = self.query(
            "SELECT password_hash, role FROM web_users WHERE username = ?", [username]
        )
        if not found:
            # As slow as a wrong password, so timing does not tell who exists.
            check_password(password, hash_password("not-a-user-password"))
            return None
        if not check_password(password, found[0]["password_hash"]):
            return None
        return str(found[0]["role"])

    # -- sessions ------------------------------------------------------------
    def open_session(self, username: str, role: str) -> tuple[str, Session]:
        token, csrf = new_token(), new_token()
        now = _now()
        expires = now + timedelta(minutes=self.session_minutes)
        cur = self.cursor()
        cur.execute("DELETE FROM web_sessions WHERE expires_at < ?", [now])
        cur.execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)",
            [token_digest(token), username, csrf, now, expires],
        )
        return token, Session(username, role, csrf, expires)

    def session(self, token: str) -> Session | None:
        found = self.query(
            "SELECT s.username, u.role, s.csrf_token, s.expires_at "
            "FROM web_sessions s JOIN web_users u USING (username) "
            "WHERE s.token_sha256 = ? AND s.expires_at > ?",
            [token_digest(token), _now()],
        )
        if not found:
            return None
        f = found[0]
        return Session(f["username"], f["role"], f["csrf_token"], f["expires_at"])

    def close_session(self, token: str) -> None:
        self.cursor().execute(
            "DELETE FROM web_sessions WHERE token_sha256 = ?", [token_digest(token)]
        )

    # -- audit log -----------------------------------------------------------
    def audit(
        self,
        username: str,
        action: str,
        object_type: str,
        object_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry; each entry's hash covers the one before it."""
        cur = self.cursor()
        with self._audit_lock:
            for attempt in range(5):
                last = cur.execute(
                    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                ).fetchall()
                seq, prev = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
                entry = {
                    "seq": seq + 1,
                    "at": _now(),
                    "username": username,
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "detail": json.dumps(detail, sort_keys=True) if detail else None,
                }
                try:
                    cur.execute(
                        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [*entry.values(), prev, entry_hash(prev, entry)],
                    )
                    return
                except duckdb.ConstraintException:
                    # Another writer took this number first: chain onto its entry.
                    if attempt == 4:
                        raise

    def audit_page(self, page: int, page_size: int) -> dict[str, Any]:
        total = self.query("SELECT count(*) AS n FROM audit_log")[0]["n"]
        items = self.query(
            'SELECT seq, "at", username, action, object_type, object_id, detail, hash '
            "FROM audit_log ORDER BY seq DESC LIMIT ? OFFSET ?",
            [page_size, (page - 1) * page_size],
        )
        return {"total": total, "page": page, "page_size": page_size, "items": items}

    def verify_audit(self) -> dict[str, Any]:
        """Recompute the chain; the first entry that does not fit, if any."""
        cur = self.cursor()
        cur.execute(
            'SELECT seq, "at", username, action, object_type, object_id, '
            "detail, prev_hash, hash FROM audit_log ORDER BY seq"
        )
        names = [d[0] for d in cur.description or []]
        prev, expected_seq, n = GENESIS, 1, 0
        while batch := cur.fetchmany(10_000):
            for row in batch:
                entry = dict(zip(names, row, strict=True))
                n += 1
                if (
                    entry["seq"] != expected_seq
                    or entry["prev_hash"] != prev
                    or entry_hash(prev, entry) != entry["hash"]
                ):
                    return {"ok": False, "entries": n, "first_bad": entry["seq"]}
                prev, expected_seq = entry["hash"], expected_seq + 1
        # Entries cut off the end leave a valid chain: compare ``head`` with
        # the one written down at the last check to see those.
        return {"ok": True, "entries": n, "first_bad": None, "head": prev}
