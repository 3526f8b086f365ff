"""Passwords, session tokens and the sign-in rate limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

ROLES = ("analyst", "auditor", "admin")

# scrypt with a 16-byte salt: about 50 ms and 16 MB a hash on the reference
# machine, slow enough to make guessing a stolen hash expensive.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, in constant time."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def check_new_password(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < 10:
        return "a password needs at least 10 characters"
    if len(password) > 200:
        return "a password may have at most 200 characters"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the workspace keeps of a session token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class RateLimiter:
    """At most ``limit`` failures per key within ``window`` seconds.

    Keys are user names and client addresses, so that one attacker cannot
    guess many passwords of one user, nor one password of many users.
    """

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        got = self._failures.setdefault(key, deque())
        while got and got[0] <= now - self.window:
            got.popleft()
        return got

    def blocked(self, *keys: str) -> float:
        """Seconds until a new try is allowed (0 when it is)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                got[0] + self.window - now
                for key in keys
                if len(got := self._recent(key, now)) >= self.limit
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
