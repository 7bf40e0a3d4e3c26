"""Reading an upload body from gunicorn's socket: exactly the body, never the next request."""

from __future__ import annotations

import io
import socket

from gunicorn.http.body import Body, ChunkedReader, LengthReader
from gunicorn.http.unreader import SocketUnreader

from files.api.body import direct_body


def gunicorn_input(length: int, read_ahead: bytes):
    """A socket pair and the WSGI input gunicorn builds for a body of LENGTH bytes, READ_AHEAD
    being what it received with the headers."""
    server, client = socket.socketpair()
    unreader = SocketUnreader(server)
    unreader.unread(read_ahead)
    return server, client, unreader, Body(LengthReader(unreader, length))


def read_all(body, size: int = 7) -> bytes:
    out = bytearray()
    view = memoryview(bytearray(size))
    while received := body.readinto(view):
        out += view[:received]
    return bytes(out)


def test_the_body_comes_from_the_read_ahead_then_the_socket_and_stops_at_its_length():
    server, client, unreader, body = gunicorn_input(20, b"0123456789")
    with server, client:
        client.sendall(b"abcdefghij" + b"GET /next HTTP/1.1\r\n")
        stream = direct_body({"wsgi.input": body, "gunicorn.socket": server}, 20)
        assert read_all(stream) == b"0123456789abcdefghij"
        assert stream.read(10) == b"" and body.reader.length == 0  # gunicorn will not drain it again
        assert server.recv(100) == b"GET /next HTTP/1.1\r\n"  # the next request was not consumed


def test_read_ahead_past_the_body_is_given_back_for_the_next_request():
    server, client, unreader, body = gunicorn_input(4, b"bodyGET /next")
    with server, client:
        stream = direct_body({"wsgi.input": body, "gunicorn.socket": server}, 4)
        assert stream.read(-1) == b"body" and stream.read(1) == b""
        assert unreader.read() == b"GET /next"


def test_a_body_left_half_read_is_still_drained_by_gunicorn_up_to_its_end():
    """An upload refused midway (limit, checksum) leaves the rest to gunicorn, which must read
    exactly the body's remaining bytes before the next request."""
    server, client, unreader, body = gunicorn_input(12, b"01234")
    with server, client:
        client.sendall(b"56789ab" + b"NEXT")
        stream = direct_body({"wsgi.input": body, "gunicorn.socket": server}, 12)
        assert stream.read(3) == b"012"
        assert body.read() == b"3456789ab"  # what gunicorn drains after the response
        assert unreader.read() == b"NEXT"  # the next request, whether gunicorn read it ahead or not


def test_other_inputs_keep_the_plain_wsgi_input():
    server, client, unreader, body = gunicorn_input(10, b"0123456789")
    with server, client:
        environ = {"wsgi.input": body, "gunicorn.socket": server}
        assert direct_body(environ, None) is None  # no Content-Length
        assert direct_body({"wsgi.input": io.BytesIO(b"x"), "gunicorn.socket": server}, 1) is None
        assert direct_body({"wsgi.input": body}, 10) is None  # not gunicorn
        chunked = Body(ChunkedReader(None, unreader))
        assert direct_body({"wsgi.input": chunked, "gunicorn.socket": server}, 10) is None
        body.read(3)  # the application already read part of it
        assert direct_body(environ, 10) is None
