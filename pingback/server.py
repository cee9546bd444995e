"""PingBack's web server: ``python -m pingback.server --host 127.0.0.1 --port 8000``.

One process serves everything (``pingback.asgi``: Django, Socket.IO, the topics API, /ws)
on uvicorn, with the settings PingBack relies on fixed here rather than left to each command
line (``bin/run``, the systemd unit, the tests and the benchmarks all start this module):

- uvloop and httptools where they are installed (Linux, macOS), asyncio and h11 elsewhere;
- WebSockets by ``websockets``' sans-I/O protocol. A frame is written to the socket at once
  (asyncio's transport), which made a 1,000-subscriber topic event reach its subscribers
  about twice as fast as under daphne (bench/README.md, issue 12);
- no WebSocket compression unless ``WEBSOCKET_COMPRESSION=true``: browsers offer
  ``permessage-deflate`` on every connection, and accepting it made each connection keep a
  zlib context (about 50 KB) and compress every frame on its own: a topic event to 1,000 such
  subscribers took twice as long (p99 182-231 ms against 89-93 ms, bench/README.md, issue
  12). Chat frames are small; Socket.IO's own Node server has it off by default too;
- no proxy-header rewriting: PingBack reads ``X-Forwarded-For`` itself, trusting only
  ``API_NUM_PROXIES`` proxies (``conversations.ratelimits``), so the client address in the
  ASGI scope stays the TCP peer's;
- no access log and no logging set-up of uvicorn's own: uvicorn's messages go through
  Django's ``LOGGING`` (``LOG_FORMAT``) like every other line, and PingBack logs each request
  itself;
- one process, whatever ``WEB_CONCURRENCY`` says (that setting counts PingBack's processes);
- idle kept-alive HTTP connections are closed after 75 s, after nginx's own 60 s;
- on SIGTERM, open connections get ``--graceful-seconds`` (default 10) to finish before the
  process exits (WebSocket clients are closed with 1012 and reconnect elsewhere); pending
  Socket.IO long polls are answered at once (``pingback.asgi.end_long_polls``), so a restart
  does not wait the whole period for them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from pingback.config import ConfigError, env_bool
from pingback.processes import ASGI_APP


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def options(host: str, port: int, graceful_seconds: int = 10, compression: bool = False) -> dict:
    """uvicorn's settings for PingBack (``uvicorn.Config(ASGI_APP, **options(...))``)."""
    return {
        "host": host,
        "port": port,
        # One process per port: scale with more processes (deploy/systemd). uvicorn would
        # otherwise read WEB_CONCURRENCY, PingBack's count of web processes, as its own
        # worker count, and a Socket.IO session's polls would land in different processes
        # behind the same port.
        "workers": 1,
        "loop": "uvloop" if _have("uvloop") else "asyncio",
        "http": "httptools" if _have("httptools") else "h11",
        "ws": "websockets-sansio",
        "ws_per_message_deflate": compression,
        "lifespan": "on",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
        "log_config": None,
        "timeout_graceful_shutdown": graceful_seconds,
        # Longer than nginx's upstream keep-alive (60 s, deploy/nginx): the proxy, not this
        # server, closes an idle kept-alive connection, so it never reuses one being closed.
        "timeout_keep_alive": 75,
    }


class Server(uvicorn.Server):
    async def shutdown(self, sockets=None) -> None:
        # uvicorn's own shutdown first stops accepting connections and asks each open one to
        # close after its current response; only then does it wait (its first await), which is
        # when this task runs: the answered polls' connections close instead of polling again.
        asgi = sys.modules.get("pingback.asgi")
        ending = asyncio.create_task(asgi.end_long_polls()) if asgi is not None else None
        await super().shutdown(sockets)
        if ending is not None and not ending.done():
            ending.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve PingBack (pingback.asgi) with uvicorn.")
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--graceful-seconds", type=int, default=10)
    parser.add_argument("app", nargs="?", default=ASGI_APP, help="module:attribute")
    args = parser.parse_args(argv)
    try:
        compression = env_bool("WEBSOCKET_COMPRESSION", False)
    except ConfigError as exc:
        parser.error(str(exc))
    config = options(args.host, args.port, args.graceful_seconds, compression)
    server = Server(uvicorn.Config(args.app, **config))
    # Ctrl-C (``make run``): uvicorn re-raises the signal it handled once it has stopped.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
