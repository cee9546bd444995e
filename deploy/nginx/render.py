#!/usr/bin/env python3
"""Render deploy/nginx/pingback.conf.in into an nginx site configuration (stdlib only).

    python3 deploy/nginx/render.py --server-name chat.example.com --ports 8001-8003 \
        --static-root /srv/pingback/staticfiles --media-root /srv/pingback/media \
        --tls-cert /etc/letsencrypt/live/chat.example.com/fullchain.pem \
        --tls-key /etc/letsencrypt/live/chat.example.com/privkey.pem \
        > /etc/nginx/sites-available/pingback

Without --tls-cert the site listens on plain HTTP (--listen, default 80): put TLS in front of it
some other way, or use it for local tests only. The scale-out test renders this same file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("pingback.conf.in")


def parse_ports(text: str) -> list[int]:
    ports: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        ports.extend(range(int(first), int(last or first) + 1))
    if not ports:
        raise ValueError("no ports")
    return ports


def render(
    *,
    ports: list[int],
    server_name: str = "_",
    listen: str = "80",
    static_root: str = "/srv/pingback/staticfiles",
    media_root: str = "/srv/pingback/media",
    tls_cert: str | None = None,
    tls_key: str | None = None,
    backend_host: str = "127.0.0.1",
) -> str:
    servers = "\n".join(
        f"    server {backend_host}:{port} max_fails=1 fail_timeout=5s;" for port in ports
    )
    if tls_cert:
        if not tls_key:
            raise ValueError("--tls-cert needs --tls-key")
        listen_lines = "\n".join(
            [
                "    listen 443 ssl http2;",
                "    listen [::]:443 ssl http2;",
                f"    ssl_certificate {tls_cert};",
                f"    ssl_certificate_key {tls_key};",
                "    ssl_protocols TLSv1.2 TLSv1.3;",
                '    add_header Strict-Transport-Security "max-age=31536000" always;',
            ]
        )
        redirect = (
            "server {\n"
            "    listen 80;\n"
            "    listen [::]:80;\n"
            f"    server_name {server_name};\n"
            "    return 301 https://$host$request_uri;\n"
            "}\n"
        )
    else:
        listen_lines = f"    listen {listen};"
        redirect = ""
    values = {
        "@UPSTREAM_SERVERS@": servers,
        "@LISTEN@": listen_lines,
        "@REDIRECT_SERVER@": redirect,
        "@SERVER_NAME@": server_name,
        "@STATIC_ROOT@": static_root.rstrip("/"),
        "@MEDIA_ROOT@": media_root.rstrip("/"),
    }
    text = TEMPLATE.read_text()
    for marker, value in values.items():
        text = text.replace(marker, value)
    if "@" in "".join(line.split("#")[0] for line in text.splitlines()):
        raise ValueError("a placeholder was left unrendered")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--ports", default="8001-8003", help="web ports: 8001-8003 or 8001,8002")
    parser.add_argument("--server-name", default="_", help="nginx server_name (your host name)")
    parser.add_argument("--listen", default="80", help="plain-HTTP listen address (no TLS)")
    parser.add_argument("--static-root", default="/srv/pingback/staticfiles")
    parser.add_argument("--media-root", default="/srv/pingback/media")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(
            render(
                ports=parse_ports(args.ports),
                server_name=args.server_name,
                listen=args.listen,
                static_root=args.static_root,
                media_root=args.media_root,
                tls_cert=args.tls_cert,
                tls_key=args.tls_key,
            )
        )
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
