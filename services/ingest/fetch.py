"""A careful HTTP fetcher for feeds and article pages.

Every hop of a request (the first and each redirect) resolves the host, refuses the request
when any address it resolves to is private, loopback, link-local or otherwise not global
(unless `TOCSIN_FETCH_ALLOW_PRIVATE=true`), and then connects to the very address it checked,
so that a second DNS answer cannot slip past the check. Redirects, response size and the
whole response's time are capped; only HTML and feed content types are read; at most
`fetch_per_host` requests run at once against one host.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal
from urllib.parse import urljoin

import httpx
import structlog

from services.common.settings import Settings

log = structlog.get_logger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Kind = Literal["page", "feed"]

_HTML = frozenset({"text/html", "application/xhtml+xml"})
_FEED = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/xml",
        "text/xml",
    }
)
# Feeds are often served as HTML-ish or plain text by old servers; pages never as feeds.
_ACCEPTED: dict[Kind, frozenset[str]] = {"page": _HTML, "feed": _FEED | _HTML | {"text/plain"}}
_ACCEPT_HEADER: dict[Kind, str] = {
    "page": "text/html,application/xhtml+xml;q=0.9",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.8",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchRefusedError(Exception):
    """The fetcher would not fetch this, by policy (address, size, type, redirects)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class FetchFailedError(Exception):
    """The fetch was tried and failed (network, timeout, HTTP error): worth another try later."""

    def __init__(self, url: str, reason: str, retry_after: float | None = None) -> None:
        self.url = url
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    """the final URL, after redirects"""
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def public_only(address: IPAddress) -> bool:
    """Global unicast addresses only: no private, loopback, link-local, reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def any_unicast(address: IPAddress) -> bool:
    """What `TOCSIN_FETCH_ALLOW_PRIVATE=true` allows: anything one can connect to."""
    return not (address.is_unspecified or address.is_multicast)


def _refused(url: str, reason: str) -> FetchRefusedError:
    log.warning("fetch_refused", url=url, reason=reason)
    return FetchRefusedError(url, reason)


class Fetcher:
    def __init__(
        self,
        settings: Settings,
        *,
        is_allowed: Callable[[IPAddress], bool] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._cfg = settings.ingest
        self._is_allowed = is_allowed or (
            any_unicast if settings.fetch_allow_private else public_only
        )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self._cfg.fetch_timeout_s),
            follow_redirects=False,
            headers={"User-Agent": self._cfg.user_agent},
            transport=transport,
            trust_env=False,
        )
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        kind: Kind,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects; `FetchRefusedError` or `FetchFailedError` otherwise.

        With `etag` or `last_modified` the request is conditional and may answer 304.
        """
        headers = {"Accept": _ACCEPT_HEADER[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self._cfg.fetch_timeout_s):
                return await self._follow(url, kind, headers)
        except TimeoutError:
            reason = f"no complete answer within {self._cfg.fetch_timeout_s:g} s"
            log.warning("fetch_failed", url=url, reason=reason)
            raise FetchFailedError(url, reason) from None
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("fetch_failed", url=url, reason=reason)
            raise FetchFailedError(url, reason) from exc

    async def _follow(self, url: str, kind: Kind, headers: dict[str, str]) -> FetchResult:
        current = url
        for _hop in range(self._cfg.fetch_max_redirects + 1):
            target = httpx.URL(current)
            if target.scheme not in ("http", "https") or not target.host:
                raise _refused(current, "only absolute http and https URLs are fetched")
            address = await self._checked_address(current, target)
            async with self._slot(target.host):
                request = self._client.build_request(
                    "GET",
                    target.copy_with(host=str(address)),
                    headers={**headers, "Host": target.netloc.decode("ascii")},
                    extensions={"sni_hostname": target.host},
                )
                response = await self._client.send(request, stream=True)
                try:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchFailedError(current, "redirect without a Location")
                        current = urljoin(current, location)
                        continue
                    return await self._read(current, kind, response)
                finally:
                    await response.aclose()
        raise _refused(url, f"more than {self._cfg.fetch_max_redirects} redirects")

    async def _checked_address(self, url: str, target: httpx.URL) -> IPAddress:
        host = target.host
        try:
            return self._check(url, ipaddress.ip_address(host))
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                host, target.port or 443, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except OSError as exc:
            raise FetchFailedError(url, f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        if not addresses:
            raise FetchFailedError(url, f"cannot resolve {host}")
        for address in addresses:
            self._check(url, address)
        return addresses[0]

    def _check(self, url: str, address: IPAddress) -> IPAddress:
        if not self._is_allowed(address):
            raise _refused(url, f"address {address} is not public (private, loopback or local)")
        return address

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        slot = self._slots.setdefault(host, asyncio.Semaphore(self._cfg.fetch_per_host))
        async with slot:
            yield

    async def _read(self, url: str, kind: Kind, response: httpx.Response) -> FetchResult:
        status = response.status_code
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if status == 304:
            return FetchResult(url, status, b"", None, etag, last_modified)
        if status >= 400 or status < 200:
            raise FetchFailedError(url, f"HTTP {status}", _retry_after(response))
        content_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type not in _ACCEPTED[kind]:
            shown = content_type or "none"
            raise _refused(url, f"content type {shown} is not accepted for a {kind}")
        cap = self._cfg.fetch_max_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise _refused(url, f"declared size {declared} bytes is over the {cap} bytes cap")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > cap:
                raise _refused(url, f"response is over the {cap} bytes cap")
        return FetchResult(url, status, bytes(body), content_type, etag, last_modified)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is not None and value.strip().isdigit():
        return float(value.strip())
    return None
