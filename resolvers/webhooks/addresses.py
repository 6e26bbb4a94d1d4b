"""Where a webhook may be sent: http(s) URLs whose every address is public (SSRF), unless allowed.

The host is resolved and each of its addresses checked when the endpoint is saved, and again right
before each delivery, which then connects to the address it checked (a name that resolves to a
public address when saved and to 127.0.0.1 later, DNS rebinding, is caught there).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")
URL_MAX = 2000


class RefusedUrl(ValueError):
    """The URL may not receive webhooks; the message says why (safe to show to the admin)."""


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def check_form(url: str) -> tuple[str, int]:
    """(host, port) of a well-formed http(s) URL, else RefusedUrl."""
    if len(url) > URL_MAX:
        raise RefusedUrl(f"must be at most {URL_MAX} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl(f"is not a valid URL ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise RefusedUrl("must be an http or https URL")
    if not parts.hostname:
        raise RefusedUrl("has no host")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("must not carry a user name or password")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    special = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )
    # is_global also leaves out shared (100.64/10) and other non-routable ranges.
    return not special and address.is_global


async def resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        return (literal,)
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedUrl(f"its host {host!r} does not resolve ({exc})") from None
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise RefusedUrl(f"its host {host!r} does not resolve")
    return tuple(found)


async def check_target(url: str, *, allow_private: bool) -> Target:
    """Check ``url`` and (unless private addresses are allowed) every address its host resolves
    to; RefusedUrl says what is wrong."""
    host, port = check_form(url)
    if allow_private:
        return Target(url, host, port, ())  # any address will do: the HTTP client resolves it
    addresses = await resolve(host, port)
    refused = [a for a in addresses if not is_public(a)]
    if refused:
        raise RefusedUrl(f"resolves to a private, loopback, link-local, multicast or reserved address ({refused[0]})")
    return Target(url, host, port, addresses)
