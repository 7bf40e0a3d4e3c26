"""An upload body of known length read straight from gunicorn's socket into our buffers.

gunicorn's body reader receives up to 1 MiB per ``recv()`` into a new bytes object, then
copies it through two ``BytesIO`` buffers before the application sees it: with fresh large
allocations (page faults, zeroed pages) that cost the receiving thread about as much as the
rest of an upload's work outside md5 (ADR 0014). ``recv_into`` our own buffer is one copy.

This relies on gunicorn's reader objects (pinned in requirements.txt): the body must be a
``Body`` over a ``LengthReader`` over a ``SocketUnreader``, with nothing read from it yet.
Anything else (another server, a chunked body, a test client) keeps the plain WSGI input.
"""

from __future__ import annotations

import socket

try:
    from gunicorn.http.body import Body, LengthReader
    from gunicorn.http.unreader import SocketUnreader
except ImportError:  # not served by gunicorn (tests, runserver)
    Body = LengthReader = SocketUnreader = None


class SocketBody:
    """read()/readinto() over the LENGTH bytes of a request body: first what gunicorn already
    read ahead with the headers, then the socket. gunicorn's state is kept current after every
    call (its remaining length, read-ahead not used yet), so a body left unread or half read
    (an upload refused midway) is drained by gunicorn as usual, and a pipelined next request
    is never consumed."""

    def __init__(self, sock: socket.socket, reader: LengthReader):
        self.sock = sock
        self.reader = reader

    def readinto(self, target: memoryview) -> int:
        want = min(len(target), self.reader.length)
        if want <= 0:
            return 0
        held = self.reader.unreader.take_buffered()
        if held:
            received = min(want, len(held))
            target[:received] = held[:received]
            if len(held) > received:  # the rest of the read-ahead, or the next request's start
                self.reader.unreader.unread(held[received:])
        else:
            received = self.sock.recv_into(target, want)
        self.reader.length -= received
        return received

    def read(self, size: int = -1) -> bytes:
        size = self.reader.length if size is None or size < 0 else min(size, self.reader.length)
        buffer = bytearray(size)
        received = self.readinto(memoryview(buffer))
        return bytes(buffer[:received])


def direct_body(environ: dict, length: int | None):
    """A SocketBody for this request if gunicorn serves it with a known length, else None."""
    body = environ.get("wsgi.input")
    sock = environ.get("gunicorn.socket")
    if Body is None or length is None or sock is None or type(body) is not Body:
        return None
    reader = getattr(body, "reader", None)
    if type(reader) is not LengthReader or type(reader.unreader) is not SocketUnreader:
        return None
    if body.buf.tell() or reader.length != length:  # the application already read some of it
        return None
    return SocketBody(sock, reader)
