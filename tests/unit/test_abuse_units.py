"""The client's network as the abuse limits see it, and their clock windows."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.api import clients
from chalicelib.services import abuse
from fakes import cst


@pytest.mark.parametrize("given, network", [
    ("203.0.113.7", "203.0.113.7"),
    ("203.0.113.7:51234", "203.0.113.7"),                 # CloudFront-Viewer-Address form
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::99", "2001:db8:1:2::/64"),            # same /64, same client
    ("[2001:db8:1:2::1]:443", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.4", "198.51.100.4"),              # IPv4-mapped is the IPv4 client
    ("", "unknown"), ("not an address", "unknown"), (None, "unknown"), ("1" * 200, "unknown"),
])
def test_a_client_is_its_ipv4_address_or_ipv6_64(given, network):
    assert clients.network_of(given) == network


def test_the_edge_header_counts_only_behind_the_edge():
    headers = {"True-Client-IP": "203.0.113.9", "X-Forwarded-For": "10.0.0.1"}
    context = {"identity": {"sourceIp": "127.0.0.1"}}
    assert clients.client_address(headers, context, behind_edge=True) == "203.0.113.9"
    assert clients.client_address(headers, context, behind_edge=False) == "127.0.0.1"
    assert clients.client_address({"True-Client-IP": "junk"}, context, behind_edge=True) \
        == "127.0.0.1"
    assert clients.client_address(None, None, behind_edge=True) == ""


def test_client_keys_are_keyed_hashes_not_addresses():
    key = clients.client_key("203.0.113.9", "secret-one")
    assert len(key) == 32 and "203" not in key
    assert key == clients.client_key("203.0.113.9", "secret-one")
    assert key != clients.client_key("203.0.113.9", "secret-two")
    assert key != clients.client_key("203.0.113.10", "secret-one")


def test_windows_are_aligned_clock_windows():
    at = datetime(2026, 11, 23, 1, 37, 12, tzinfo=UTC)
    assert abuse._window(at, 1) == ("202611230137", datetime(2026, 11, 23, 1, 38,
                                                             tzinfo=UTC))
    assert abuse._window(at, 15) == ("202611230130", datetime(2026, 11, 23, 1, 45,
                                                              tzinfo=UTC))
    assert abuse._window(at, 120)[0] == "202611230000"
    # the same instant in China time is the same window
    assert abuse._window(cst(2026, 11, 23, 9, 37), 15)[0] == "202611230130"
    assert abuse._day(cst(2026, 11, 23, 0, 5))[0] == "20261123"
