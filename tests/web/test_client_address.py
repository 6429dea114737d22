"""Which address a request comes from: the peer, or the client a trusted proxy forwards for; nobody else
is believed about it, and the setting that names the proxies is checked when the server starts."""

import ipaddress

import pytest

from bot.settings import SettingsError
from sidebar_web.client_address import client_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),  # no proxy of ours: the header is the sender's
        ("10.0.0.2", [], "10.0.0.2"),  # the proxy itself (a health check)
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["1.1.1.1, 198.51.100.1"], "198.51.100.1"),  # what the client wrote is left of it
        ("10.0.0.2", ["1.1.1.1", "198.51.100.1, 10.0.0.3"], "198.51.100.1"),  # two proxies, two headers
        ("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1"),  # an IPv4 peer on a dual-stack socket
        ("fd00::1", ["2001:db8::5"], "2001:db8::5"),
        ("10.0.0.2", ["unknown"], "10.0.0.2"),  # a garbled header names nobody
        (None, ["198.51.100.1"], ""),
    ],
)
def test_the_client_is_the_first_address_right_of_the_trusted_proxies(peer, forwarded, client):
    assert client_address(peer, forwarded, PROXIES) == client


def test_without_trusted_proxies_the_peer_is_the_client():
    assert client_address("10.0.0.2", ["198.51.100.1"], ()) == "10.0.0.2"


@pytest.mark.parametrize("value", ["10.0.0.300", "10.0.0.1/8", "proxy.example"])
def test_trusted_proxies_must_be_addresses_or_blocks(settings, value):
    with pytest.raises(SettingsError) as refused:
        settings.replace(server={"trusted_proxies": ("127.0.0.1", value)})
    assert str(refused.value).startswith("setting server.trusted_proxies (SCRM_SERVER__TRUSTED_PROXIES)")
    assert repr(value) in str(refused.value) and "\n" not in str(refused.value)
