"""Radar links: a link names its radar, sender, recipient and share parent; any change or age breaks it."""

import time

import pytest

from bot.radar.links import BadLink, LinkSigner, RadarLink
from bot.settings import SettingsError, load

KEY = b"k" * 40
DAY = 86400


def signer(key: bytes = KEY, days: int = 30) -> LinkSigner:
    return LinkSigner(key, days)


def test_a_link_reads_back_exactly_as_signed_without_any_database():
    link = RadarLink(radar_id=7, userid="zhangsan", recipient="wmABC", issued_at=int(time.time()))
    token = signer().sign(link)
    assert signer().verify(token) == link
    assert "." in token and len(token) < 200  # fits in a WeChat share link


def test_a_shared_link_keeps_the_sender_and_age_and_names_the_visit_it_came_from():
    first = RadarLink(radar_id=7, userid="zhangsan", recipient="wmABC", issued_at=1_800_000_000)
    shared = signer().verify(signer().sign(first.shared_from(visit_id=42)), now=1_800_000_100)
    assert (shared.userid, shared.recipient, shared.parent_visit, shared.issued_at) == (
        "zhangsan", "", 42, 1_800_000_000,
    )  # fmt: skip


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: ("e" if t[0] != "e" else "f") + t[1:],  # the fields
        lambda t: t.replace(".", ""),  # the shape
        lambda t: "",
        lambda t: t + "." + t,
    ],
)
def test_a_tampered_link_is_refused(tamper):
    token = signer().sign(RadarLink(radar_id=7, userid="zhangsan", issued_at=int(time.time())))
    with pytest.raises(BadLink):
        signer().verify(tamper(token))


def test_another_key_or_an_old_chain_is_refused():
    link = RadarLink(radar_id=7, userid="zhangsan", issued_at=1_800_000_000)
    token = signer().sign(link)
    with pytest.raises(BadLink, match="bad signature"):
        signer(b"o" * 40).verify(token)
    assert signer(days=30).verify(token, now=1_800_000_000 + 30 * DAY).radar_id == 7
    with pytest.raises(BadLink, match="expired"):
        signer(days=30).verify(token, now=1_800_000_000 + 30 * DAY + 1)
    with pytest.raises(BadLink, match="future"):
        signer().verify(token, now=1_800_000_000 - 3600)


def test_the_key_is_made_once_per_data_directory_or_taken_from_settings(tmp_path):
    settings = load(env={"SCRM_DATA__DIR": str(tmp_path)})
    token = LinkSigner.from_settings(settings).sign(RadarLink(radar_id=1, userid="u"))
    assert (tmp_path / "radar.key").stat().st_mode & 0o777 == 0o600
    assert LinkSigner.from_settings(settings).verify(token).userid == "u"  # the same key next start
    configured = load(env={"SCRM_DATA__DIR": str(tmp_path), "SCRM_RADAR__LINK_SECRET": "s" * 32})
    with pytest.raises(BadLink):
        LinkSigner.from_settings(configured).verify(token)
    with pytest.raises(SettingsError, match="radar.link_secret"):
        load(env={"SCRM_RADAR__LINK_SECRET": "short"})
