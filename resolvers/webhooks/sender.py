"""One HTTP POST of a signed event to an endpoint, measured; never follows redirects."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from resolvers.webhooks import addresses, config
from resolvers.webhooks.signing import signature

USER_AGENT = "crm-webhooks/1"
ERROR_MAX = 500


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def client() -> httpx.AsyncClient:
    timeout = config.current().timeout.total_seconds()
    # trust_env=False: no proxy from the environment may carry requests elsewhere.
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)


def pinned(url: str, target: addresses.Target) -> tuple[str, dict[str, str], dict[str, str]]:
    """``url`` aimed at the address that was checked (URL, extra headers, httpx extensions): the
    Host header and TLS name stay the registered host, so nothing resolves the name again."""
    parts = urlsplit(url)
    address = target.addresses[0]
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port else host
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": target.host} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, extensions


async def send(http: httpx.AsyncClient, url: str, secret: str, event_id: str, timestamp: int, body: bytes) -> Outcome:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-CRM-Webhook-Id": event_id,
        "X-CRM-Webhook-Timestamp": str(timestamp),
        "X-CRM-Webhook-Signature": signature(secret, timestamp, body),
    }
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    allow_private = config.current().allow_private
    try:
        # Checked again now: the name may resolve elsewhere than when the endpoint was saved.
        target = await addresses.check_target(url, allow_private=allow_private)
        extensions: dict[str, str] = {}
        if not allow_private:
            url, extra, extensions = pinned(url, target)
            headers.update(extra)
        response = await http.post(url, content=body, headers=headers, extensions=extensions)
    except addresses.RefusedUrl as exc:
        return Outcome(None, elapsed(), f"refused: the URL {exc}")
    except httpx.TimeoutException:
        return Outcome(None, elapsed(), "timed out")
    except httpx.HTTPError as exc:
        return Outcome(None, elapsed(), f"{type(exc).__name__}: {exc}"[:ERROR_MAX])
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, elapsed(), None)
    text = response.text[:200]
    return Outcome(response.status_code, elapsed(), f"HTTP {response.status_code}" + (f": {text}" if text else ""))
