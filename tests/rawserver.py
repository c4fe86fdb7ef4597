"""A tiny socket server on 127.0.0.1 for failures a well-behaved HTTP server cannot produce:
resets, truncated bodies, stalls and slow drips."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable


class RawServer:
    """Accepts connections and hands each to `behave(conn, stop)`; `stop` is set on close."""

    def __init__(self, behave: Callable[[socket.socket, threading.Event], None]) -> None:
        self.behave = behave
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.bytes_sent = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hotlines.json"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            if self.stop.is_set():  # the wake-up connection from close()
                conn.close()
                break
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request
                self.connected.set()
                if self.behave in (trickle_headers, trickle_body):
                    self.behave(conn, self.stop, self)
                else:
                    self.behave(conn, self.stop)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):  # wake accept() now rather than at its next 0.2 s timeout
            socket.create_connection(self.sock.getsockname(), timeout=1).close()
        self.thread.join(timeout=5)
        self.sock.close()


def close_at_once(conn: socket.socket, stop: threading.Event) -> None:
    pass


def reset(conn: socket.socket, stop: threading.Event) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def truncated(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: application/json\r\n\r\n{"sch')


def stall(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(30)  # answer nothing until the test ends


def drip(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    while not stop.is_set():
        conn.sendall(b"1\r\n \r\n")
        stop.wait(0.2)  # a byte every 0.2 s: each read succeeds, the whole never finishes


def _trickle(conn: socket.socket, stop: threading.Event, data: bytes, server: RawServer | None = None) -> None:
    for i in range(len(data)):
        if stop.is_set():
            return
        conn.sendall(data[i : i + 1])
        if server is not None:
            server.bytes_sent += 1
        stop.wait(1.0)


def trickle_headers(conn: socket.socket, stop: threading.Event, server: RawServer | None = None) -> None:
    """The status line and headers at one byte a second: the headers never finish in time."""
    _trickle(conn, stop, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"x" * 200, server)


def trickle_body(conn: socket.socket, stop: threading.Event, server: RawServer | None = None) -> None:
    """Headers at once, then a declared body at one byte a second."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: application/json\r\n\r\n")
    _trickle(conn, stop, b"{" + b" " * 99_999, server)


def redirect_to(location: bytes) -> Callable[[socket.socket, threading.Event], None]:
    """A redirect whose Location header is sent exactly as given (a real server library would
    refuse to send a malformed one)."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")

    return behave


def broken_chunks(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
