"""Serving the application: in the foreground (``sarap serve``) or, for tests
and benchmarks, on a background thread."""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from sarap.errors import SarapError


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` for the server; ``port=0`` picks a free
    one. Told in one line when that cannot be, before any other work."""
    where = f"{host}:{port}"
    try:
        family, *_, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise SarapError(f"cannot serve on {where}: {exc.strerror}") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SarapError(
                f"cannot serve on {where}: the port is in use (another sarap "
                "serve?); stop that or choose another port with --port"
            ) from None
        raise SarapError(f"cannot serve on {where}: {exc.strerror}") from None
    return sock


def is_loopback(sock: socket.socket) -> bool:
    """Whether only this machine can reach ``sock``."""
    return ipaddress.ip_address(sock.getsockname()[0]).is_loopback


@contextmanager
def running_server(
    app: FastAPI, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """A real HTTP server on ``host``; yields its base URL, stops on exit.

    ``port=0`` picks a free port.
    """
    sock = listening_socket(host, port)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
