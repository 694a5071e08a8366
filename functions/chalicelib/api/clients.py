"""Who is calling, for one-per-client rules and abuse limits, without keeping the address.

A client is its network address: an IPv4 address, or the /64 prefix of an IPv6 address (one
household or phone gets a whole /64, so counting single IPv6 addresses would let one client
rotate through billions). Not the User-Agent or anything else a client chooses for itself:
rotating a header must not lift a limit.

Where the address comes from:

- locally (`wenzheng serve`, tests) the peer of the connection, which the embedded server puts in
  `requestContext.identity.sourceIp`;
- in a deployed stage the API sits behind CloudFront, so `sourceIp` is a CloudFront edge, not the
  citizen. A viewer-request CloudFront Function on `/api/*` (infra/make_resources.py) writes the
  viewer's address into `True-Client-IP`, replacing whatever the viewer sent under that name, and
  the function trusts that header there and only there. A client-supplied `X-Forwarded-For` is
  never read: anyone can write one.

What is stored is `client_key`: an HMAC of the network under a server secret, so the stored keys
cannot be turned back into addresses by trying all 2^32 IPv4 addresses.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping

EDGE_HEADER = "True-Client-IP"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name) or headers.get(name.lower())


def parse_address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as the edge or the server writes it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
    `[2001:db8::1]:443` or CloudFront's `2001:db8::1:443` form; None when it is none of these."""
    if not value or not isinstance(value, str) or len(value) > 100:
        return None
    text = value.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:
        candidates = [text[1:text.index("]")]]
    elif text.count(":") == 1:                       # IPv4 with a port
        candidates = [text.split(":", 1)[0]]
    elif ":" in text:                                # IPv6, perhaps with a port appended
        candidates = [text, text.rsplit(":", 1)[0]]
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            return address.ipv4_mapped
        return address
    return None


def network_of(value: str | None) -> str:
    """The client's network as text: the IPv4 address, or the IPv6 /64 prefix; `unknown` when
    there is no usable address (such clients share one set of limits)."""
    address = parse_address(value)
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def client_address(headers: Mapping[str, str] | None, context: Mapping | None, *,
                   behind_edge: bool) -> str:
    """The caller's address: the edge's header in a deployed stage (when it is there and
    parses), else the connection's source address."""
    if behind_edge:
        edge = _header(headers or {}, EDGE_HEADER)
        if parse_address(edge) is not None:
            return str(edge)
    return str(((context or {}).get("identity") or {}).get("sourceIp") or "")


def client_key(network: str, secret: str) -> str:
    """The stored name of a client: an HMAC-SHA256 of its network under `secret`, 32 hex digits."""
    return hmac.new(secret.encode(), f"client|{network}".encode(),
                    hashlib.sha256).hexdigest()[:32]
