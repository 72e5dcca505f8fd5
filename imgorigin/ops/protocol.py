"""uvicorn's HTTP/1.1 protocols with a cap on the request head (request line and headers).

uvicorn bounds the head only with h11 (``h11_max_incomplete_event_size``); with httptools, its faster
default, a header line of any length is buffered until it ends (a 20 MB one was accepted; six of
100 MB raised the server to 780 MB). ``BoundedHttpToolsProtocol`` counts the bytes it feeds the parser
until the headers are complete and answers 431 past the cap, which it reads from the same uvicorn
setting, so one number (``IMGORIGIN_MAX_HEADER_BYTES``) bounds both protocols (h11 answers 400).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REFUSAL = b"Request headers too large\n"
BOUNDED = f"{__name__}:BoundedHttpToolsProtocol"
# After the 431, what the client still sends is read and dropped for this long before closing: closing
# with unread data makes the kernel send a reset, which can destroy the answer before the client reads it.
LINGER_SECONDS = 1.0


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools (installed with ``uvicorn[standard]``) with the head capped at ``h11_max_incomplete_event_size``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_limit: int = self.config.h11_max_incomplete_event_size or 65536
        self.head_bytes = 0
        self.in_head = True
        self.refused = False

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head, self.head_bytes = True, 0  # the next request on this connection starts with its head

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        # Feed the parser no more than the cap allows while the head is incomplete, so a body
        # arriving in the same read as the headers is never counted against it.
        while data and self.in_head:
            room = self.head_limit - self.head_bytes
            if room <= 0:
                self.refuse()
                return
            chunk, data = data[:room], data[room:]
            self.head_bytes += len(chunk)
            super().data_received(chunk)
            if self.transport.is_closing():
                return
        if data:
            super().data_received(data)

    def refuse(self) -> None:
        self.logger.warning("Request head over %d bytes refused", self.head_limit)
        self.refused = True
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\ncache-control: no-store\r\n\r\n%s"
            % (len(REFUSAL), REFUSAL)
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
