"""``/metrics``, ``/healthz`` and ``/readyz`` on a small threaded HTTP server, and
``/debug/modules`` (the modules this process has loaded) when asked for.

Kept apart from Faust's web stack so every process (router, assigner, demo)
exposes the same endpoints whether or not it runs Faust, and so a scrape never
waits on the event loop.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["HealthServer"]


class HealthServer:
    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        host: str = "0.0.0.0",  # noqa: S104 - scraped from other hosts in production
        port: int = 0,
        live: Callable[[], bool] = lambda: True,
        ready: Callable[[], bool] = lambda: True,
        debug_modules: bool = False,
    ) -> None:
        routes: dict[str, Callable[[], tuple[int, str, bytes]]] = {
            "/metrics": lambda: (200, CONTENT_TYPE_LATEST, generate_latest(registry)),
            "/healthz": lambda: _probe(live()),
            "/readyz": lambda: _probe(ready()),
        }
        if debug_modules:
            routes["/debug/modules"] = _loaded_modules

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path.split("?", 1)[0])
                status, content_type, body = (
                    route() if route else (404, "text/plain", b"not found\n")
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the scraper gave up (timeout, restart): nothing to answer

            def log_message(self, format: str, *args: object) -> None:
                return  # scrapes every few seconds would drown the logs

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="omniroute-http", daemon=True
        )

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _loaded_modules() -> tuple[int, str, bytes]:
    """Every module this process has imported so far, sorted, as a JSON list."""
    return 200, "application/json", json.dumps(sorted(sys.modules)).encode()


def _probe(ok: bool) -> tuple[int, str, bytes]:
    return (200, "text/plain", b"ok\n") if ok else (503, "text/plain", b"not ready\n")
