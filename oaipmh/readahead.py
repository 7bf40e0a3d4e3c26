"""Read-ahead of list pages: the next page of a list is prepared while the harvester reads this one.

A harvester walks a ListRecords or ListIdentifiers list one page after the other: it asks for a
page, reads and parses it, and only then asks for the next one with the page's resumption token.
Each page's request therefore waits for the server, then the server waits for the client. When a
list page is answered, this module prepares the response to its resumption token on a background
thread of the same process, so that the server's work on page N+1 overlaps the client's work on
page N (docs/adr/0019).

A prepared response is the exact response to that request as it would have been answered at the
moment it was prepared: its ``responseDate`` and watermark are that moment's, which a harvester
may use as the next ``from`` without missing anything (oaipmh.datestamps). It is served only to
the request it was prepared for (verb and token), at most once, and only within
``OAI_READ_AHEAD_SECONDS`` of being scheduled; otherwise the request is answered as usual. A page
whose preparation is not finished within ``wait_seconds`` of its request is answered by the
request itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A response body and the resumption token it issued (None when the list ends there)."""

    body: bytes
    next_token: str | None


class ReadAhead:
    """Responses being prepared or ready, by (verb, resumption token), oldest dropped first."""

    def __init__(self, *, capacity: int = 16, wait_seconds: float = 2.0, threads: int = 2):
        self.capacity = capacity
        self.wait_seconds = wait_seconds
        self.threads = threads
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple[str, str], tuple[float, Future]] = OrderedDict()
        self._executor: ThreadPoolExecutor | None = None
        self.served = 0  # responses taken ready (or finished while waited for)

    def schedule(self, key: tuple[str, str], prepare: Callable[[], Prepared]) -> None:
        """Prepare the response for KEY in the background (once)."""
        with self._lock:
            if key in self._pages:
                return
            if self._executor is None:  # created in the serving process (after a fork)
                self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="oai-read-ahead")
            future = self._executor.submit(_run, prepare)
            self._pages[key] = (time.monotonic(), future)
            while len(self._pages) > self.capacity:
                _, (_, dropped) = self._pages.popitem(last=False)
                dropped.cancel()

    def take(self, key: tuple[str, str], *, max_age: float) -> Prepared | None:
        """The response prepared for KEY if it is not older than MAX_AGE seconds, else None.

        A preparation not finished yet is waited for, at most ``wait_seconds`` (it is further
        along than a new start would be); after that the request answers itself.
        """
        with self._lock:
            entry = self._pages.pop(key, None)
        if entry is None:
            return None
        started, future = entry
        try:
            prepared = future.result(timeout=self.wait_seconds)
        except (CancelledError, FutureTimeout):
            future.cancel()  # if it has not started, it never will
            return None
        except Exception:  # logged where it was raised (_run); the request answers itself
            return None
        if time.monotonic() - started > max_age:
            return None
        self.served += 1
        return prepared

    def clear(self) -> None:
        """Forget every prepared response, and stop the thread after closing its database
        connections (tests: a connection left open would keep the test database from being dropped)."""
        with self._lock:
            pages, self._pages = self._pages, OrderedDict()
            executor, self._executor = self._executor, None
            self.served = 0
        for _, future in pages.values():
            future.cancel()
        if executor is not None:
            executor.submit(connections.close_all).result()
            executor.shutdown(wait=True)


def _run(prepare: Callable[[], Prepared]) -> Prepared:
    # The thread keeps its own database connection between pages, as a request thread does:
    # close it when it has outlived CONN_MAX_AGE or broke, as Django does around each request.
    close_old_connections()
    try:
        return prepare()
    except Exception:
        logger.exception("An OAI-PMH page prepared ahead failed; its request will answer itself.")
        raise
    finally:
        close_old_connections()


pages = ReadAhead()
