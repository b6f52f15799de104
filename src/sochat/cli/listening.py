"""The listening socket `sochat serve` binds before anything else starts."""

from __future__ import annotations

import errno
import socket

import click


def listening_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound here (not yet listening) with TCP_NODELAY; ClickException naming the address
    and the reason when it cannot be bound.

    Binding it ourselves lets `serve` report a taken port in one line before anything else starts. Left to
    uvicorn, the multi-worker socket is created with protocol 0, asyncio then leaves Nagle's algorithm
    on for accepted connections, and every answer after the first on a keep-alive connection waits about 40 ms
    for the client's delayed ACK (bench/workers_nodelay.py). Linux copies the option to accepted sockets.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {address(host, port)}: {_bind_reason(exc)}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind((host, port))
    except (OSError, OverflowError, UnicodeError) as exc:  # the last two: a host name the resolver cannot take
        listener.close()
        raise click.ClickException(f"cannot listen on {address(host, port)}: {_bind_reason(exc)}") from None
    listener.set_inheritable(True)
    return listener


def _bind_reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return _BIND_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    return str(exc)


BACKLOG = 2048  # uvicorn's default
_BIND_REASONS = {
    errno.EADDRINUSE: "the port is in use by another program (choose another with --port)",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
    errno.EADDRNOTAVAIL: "this machine has no such address (see --host)",
}


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
