"""The fetcher against a real local HTTP server: validators, caps, types, addresses."""

from __future__ import annotations

import ipaddress

import pytest
from structlog.testing import capture_logs

from services.common.settings import Settings
from services.ingest.fetch import (
    Fetcher,
    FetchFailedError,
    FetchRefusedError,
    IPAddress,
    any_unicast,
    public_only,
)
from tests.ingest.conftest import Route, Site

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
PAGE = b"<html><body><p>hello</p></body></html>"


def make_settings(*, allow_private: bool = True, **ingest: object) -> Settings:
    caps: dict[str, object] = {"fetch_timeout_s": 1.5, "fetch_max_bytes": 4096, **ingest}
    return Settings(fetch_allow_private=allow_private, ingest=caps)


ADDRESSES = [
    ("93.184.216.34", True, True),
    ("2606:2800:220:1:248:1893:25c8:1946", True, True),
    ("127.0.0.1", False, True),
    ("::1", False, True),
    ("10.1.2.3", False, True),
    ("172.16.0.1", False, True),
    ("192.168.1.1", False, True),
    ("169.254.169.254", False, True),
    ("fe80::1", False, True),
    ("100.64.0.1", False, True),
    ("fd00::1", False, True),
    ("::ffff:127.0.0.1", False, True),
    ("0.0.0.0", False, False),
    ("224.0.0.1", False, False),
]


@pytest.mark.parametrize(("address", "public", "unicast"), ADDRESSES)
def test_address_policies(address: str, public: bool, unicast: bool) -> None:
    ip: IPAddress = ipaddress.ip_address(address)
    assert public_only(ip) is public
    assert any_unicast(ip) is unicast


async def test_conditional_get_sends_the_validators(site: Site) -> None:
    site.routes["/feed.xml"] = Route(
        FEED,
        content_type="application/rss+xml",
        etag='"v1"',
        headers={"Last-Modified": "Wed, 05 Jan 2022 10:00:00 GMT"},
    )
    async with Fetcher(make_settings()) as fetcher:
        first = await fetcher.fetch(site.url("/feed.xml"), "feed")
        second = await fetcher.fetch(
            site.url("/feed.xml"), "feed", etag=first.etag, last_modified=first.last_modified
        )
    assert first.status == 200
    assert first.content == FEED
    assert first.etag == '"v1"'
    assert second.not_modified
    sent = site.requests_for("/feed.xml")[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Wed, 05 Jan 2022 10:00:00 GMT"
    assert "if-none-match" not in site.requests_for("/feed.xml")[0].headers


async def test_follows_a_redirect(site: Site) -> None:
    site.routes["/old"] = Route(status=301, headers={"Location": "/new"}, content_type=None)
    site.routes["/new"] = Route(PAGE)
    async with Fetcher(make_settings()) as fetcher:
        got = await fetcher.fetch(site.url("/old"), "page")
    assert got.url == site.url("/new")
    assert got.content == PAGE


async def test_too_many_redirects_are_refused(site: Site) -> None:
    for n in range(4):
        site.routes[f"/r{n}"] = Route(
            status=302, headers={"Location": f"/r{n + 1}"}, content_type=None
        )
    async with Fetcher(make_settings(fetch_max_redirects=2)) as fetcher:
        with capture_logs() as logs, pytest.raises(FetchRefusedError, match="more than 2"):
            await fetcher.fetch(site.url("/r0"), "page")
    assert logs[-1]["event"] == "fetch_refused"


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
async def test_oversized_response_is_refused_with_a_logged_reason(
    site: Site, declared: bool
) -> None:
    site.routes["/big"] = Route(b"x" * 10_000, declare_length=declared)
    async with Fetcher(make_settings()) as fetcher:
        with capture_logs() as logs, pytest.raises(FetchRefusedError) as caught:
            await fetcher.fetch(site.url("/big"), "page")
    assert "4096 bytes cap" in caught.value.reason
    refused = [e for e in logs if e["event"] == "fetch_refused"]
    assert refused
    assert refused[0]["url"] == site.url("/big")
    assert "4096 bytes cap" in refused[0]["reason"]


async def test_slow_response_times_out(site: Site) -> None:
    site.routes["/slow"] = Route(PAGE, delay_s=3.0)
    async with Fetcher(make_settings(fetch_timeout_s=0.5)) as fetcher:
        with capture_logs() as logs, pytest.raises(FetchFailedError, match=r"within 0\.5 s"):
            await fetcher.fetch(site.url("/slow"), "page")
    assert any(e["event"] == "fetch_failed" for e in logs)


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("page", "application/pdf"),
        ("page", "application/rss+xml"),
        ("feed", "image/png"),
        ("page", None),
    ],
)
async def test_other_content_types_are_refused(
    site: Site, kind: str, content_type: str | None
) -> None:
    site.routes["/thing"] = Route(b"data", content_type=content_type)
    async with Fetcher(make_settings()) as fetcher:
        with pytest.raises(FetchRefusedError, match="content type"):
            await fetcher.fetch(site.url("/thing"), kind)  # type: ignore[arg-type]


async def test_http_errors_fail_with_retry_after(site: Site) -> None:
    site.routes["/busy"] = Route(b"", status=503, headers={"Retry-After": "120"})
    async with Fetcher(make_settings()) as fetcher:
        with pytest.raises(FetchFailedError) as caught:
            await fetcher.fetch(site.url("/busy"), "page")
    assert caught.value.reason == "HTTP 503"
    assert caught.value.retry_after == 120.0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["literal", "after-dns"])
async def test_private_addresses_are_refused_by_default(site: Site, host: str) -> None:
    site.routes["/page"] = Route(PAGE)
    url = site.url("/page").replace("127.0.0.1", host)
    async with Fetcher(make_settings(allow_private=False)) as fetcher:
        with capture_logs() as logs, pytest.raises(FetchRefusedError, match="not public"):
            await fetcher.fetch(url, "page")
    assert site.requests_for("/page") == []
    assert logs[0]["event"] == "fetch_refused"
    assert "not public" in logs[0]["reason"]


async def test_a_redirect_to_a_forbidden_address_is_refused(site: Site) -> None:
    # The policy lets only the test server's address through: the redirect to the metadata
    # address of cloud hosts must be refused before any connection to it.
    site.routes["/go"] = Route(
        status=302, headers={"Location": "http://169.254.169.254/latest/"}, content_type=None
    )
    only_here = ipaddress.ip_address("127.0.0.1")
    fetcher = Fetcher(make_settings(allow_private=False), is_allowed=lambda ip: ip == only_here)
    async with fetcher:
        with capture_logs() as logs, pytest.raises(FetchRefusedError, match=r"169\.254\.169\.254"):
            await fetcher.fetch(site.url("/go"), "page")
    assert len(site.requests_for("/go")) == 1
    assert logs[-1]["url"] == "http://169.254.169.254/latest/"


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd"])
async def test_other_schemes_are_refused(url: str) -> None:
    async with Fetcher(make_settings()) as fetcher:
        with pytest.raises(FetchRefusedError, match="http and https"):
            await fetcher.fetch(url, "page")
