"""Who is calling: the client address, and the key its anonymous rate limits are counted under."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

# One IPv6 subscriber gets at least a /64 (RFC 6177): counting per address would give one host 2^64 buckets.
IPV6_PREFIX = 64


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def network_key(host: str) -> str:
    """The rate-limit key of an address: IPv4 as is, IPv6 as its /64, IPv4-mapped IPv6 as the IPv4 address."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host  # "unknown", or a test client's name: one bucket for all of them
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def client_key(request: Request) -> str:
    return network_key(client_ip(request))
