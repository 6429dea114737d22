"""A request's client address, decided once for every use: the middleware sets request.remote to it, so radar
visits, the beacon limiter and every log line read the same address.

Behind a reverse proxy every request comes from the proxy; only a peer named in server.trusted_proxies is
believed about who it forwards for. Anyone else's X-Forwarded-For is ignored: a visitor could write any
address there and pass for someone else (or for a new address on every request)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import hdrs, web

from bot.settings import Settings
from bot.settings_values import networks

Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # a dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d
    return ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Networks) -> str:
    """The peer, unless it is a trusted proxy: then X-Forwarded-For read from the right (each proxy appends
    the address it saw) past every trusted proxy, the first address none of them is. What lies left of it
    was written by the client and is never read. A hop that is no address (only a trusted proxy could have
    written it there, so it is misconfigured) stops the walk at the last trusted hop."""
    address = peer or ""
    ip = _ip(address)
    if ip is None or not any(ip in n for n in trusted):
        return address
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break
        address = str(ip)
        if not any(ip in n for n in trusted):
            break
    return address


def middleware(settings: Settings):
    """The first middleware: handlers (and the error middleware's log lines) see the client in remote."""
    trusted = networks("server.trusted_proxies", settings.server.trusted_proxies)

    @web.middleware
    async def client_address_middleware(request: web.Request, handler) -> web.StreamResponse:
        if trusted:
            forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, ())
            address = client_address(request.remote, forwarded, trusted)
            if address != request.remote:
                request = request.clone(remote=address)
        return await handler(request)

    return client_address_middleware
