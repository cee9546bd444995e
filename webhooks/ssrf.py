"""Refuse webhook URLs that point inside the network PingBack runs in (SSRF).

A URL is checked at registration and again at every delivery: the host is resolved, every
address must be public, and the request then connects to an address that was checked (so a
DNS answer that changes between check and connect cannot smuggle in 127.0.0.1).
``WEBHOOKS_ALLOW_PRIVATE_URLS=true`` lifts the address check (local development, tests).
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from conversations import errors

# NAT64 embeds an IPv4 address in the last 32 bits; check the embedded address as well.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(errors.ValidationFailed):
    code = "WEBHOOK_URL_REFUSED"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (Host header, TLS name)
    port: int
    path: str  # path + query
    addresses: tuple[str, ...]  # resolved and checked, in resolver order


def forbidden_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return forbidden_reason(embedded)
    for attr, label in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local (cloud metadata)"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, attr):
            return label
    if not ip.is_global:
        return "not publicly routable"
    return None


# A host name: dot-separated labels of letters, digits and inner hyphens (IDNs as punycode).
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return len(ascii_host) <= 253 and all(HOST_LABEL.match(label) for label in labels)


def parse(url) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url:
        raise UnsafeURL("url must be a non-empty string.", field="url")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UnsafeURL(
            "url must not contain spaces or control characters (percent-encode them).",
            field="url",
        )
    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, UnicodeError):
        raise UnsafeURL("url is not a valid URL.", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("url must use http or https.", field="url")
    if not parts.hostname:
        raise UnsafeURL("url must name a host.", field="url")
    if not _valid_host(parts.hostname):
        raise UnsafeURL(f"url host {parts.hostname!r} is not a valid host name.", field="url")
    if parts.username or parts.password:
        raise UnsafeURL("url must not contain credentials.", field="url")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """Parse, resolve and check ``url``; raises UnsafeURL with the reason."""
    if allow_private is None:
        allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_URLS
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"url host {host!r} does not resolve ({exc}).", field="url") from None
    addresses: list[str] = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not allow_private:
        for address in addresses:
            reason = forbidden_reason(ipaddress.ip_address(address))
            if reason:
                raise UnsafeURL(
                    f"url host {host!r} resolves to {address}, a {reason} address; "
                    "webhooks only go to public addresses.",
                    field="url",
                )
    if not addresses:
        raise UnsafeURL(f"url host {host!r} does not resolve.", field="url")
    return Target(scheme, host, port, path, tuple(addresses))
