"""In production, webhooks reach only public addresses: checked when saved and before each delivery."""

from __future__ import annotations

import ipaddress

import pytest

from resolvers.webhooks import addresses, delivery
from resolvers.webhooks.sender import pinned
from tests.webhooks.support import CREATE, WEBHOOKS, create_customer, create_webhook, deliver, deliveries

PUBLIC = ipaddress.ip_address("93.184.216.34")


async def refusal(gql, admin, url: str) -> dict:
    data = await gql.data(CREATE, {"input": {"url": url, "events": ["CUSTOMER_CREATED"]}}, as_=admin)
    result = data["createWebhook"]
    assert result["__typename"] == "ValidationFailed", (url, result)
    (error,) = result["fields"]
    assert error["field"] == "url"
    return error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",  # loopback
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",  # private
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",  # link-local: cloud metadata
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",  # multicast
        "http://240.0.0.1/hook",  # reserved
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",  # shared address space
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "http://[fd00::1]/hook",  # unique local
    ],
)
async def test_private_and_special_addresses_are_refused_in_production(factory, gql, production, url):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    error = await refusal(gql, admin, url)
    assert error["code"] == "NOT_ALLOWED"
    assert (await gql.data(WEBHOOKS, as_=admin))["webhooks"] == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com",
        "http://user:pw@example.com/",
        "http:///x",
        "not a url",
    ],
)
async def test_only_plain_http_and_https_urls_are_accepted(factory, gql, url):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    error = await refusal(gql, admin, url)
    assert error["code"] == "INVALID"


async def test_a_name_resolving_to_any_private_address_is_refused(factory, gql, production, monkeypatch):
    async def resolve(host, port):
        return (PUBLIC, ipaddress.ip_address("10.0.0.5"))

    monkeypatch.setattr(addresses, "resolve", resolve)
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    error = await refusal(gql, admin, "https://partner.example/hook")
    assert "10.0.0.5" in error["message"]


async def test_a_name_that_later_resolves_to_a_private_address_gets_nothing(
    factory, gql, receiver, production, monkeypatch
):
    """DNS rebinding: public when saved, loopback at delivery time (where the test receiver listens)."""
    answers = {"partner.example": (PUBLIC,)}

    async def resolve(host, port):
        return answers[host]

    monkeypatch.setattr(addresses, "resolve", resolve)
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url.replace("127.0.0.1", "partner.example"))

    answers["partner.example"] = (ipaddress.ip_address("127.0.0.1"),)
    await create_customer(gql, admin, "Rebound")
    await delivery.run_pass(tenant.id)
    assert receiver.received == []
    (attempt,) = await deliveries(gql, admin, hook["id"])
    assert not attempt["succeeded"] and attempt["statusCode"] is None
    assert attempt["error"].startswith("refused:") and "127.0.0.1" in attempt["error"]


async def test_development_allows_local_endpoints(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    await create_customer(gql, admin, "Local")
    await deliver()
    assert len(receiver.received) == 1


def test_every_special_range_is_refused_and_public_addresses_pass():
    refused = ["127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.1.1", "169.254.0.1", "224.0.0.5", "255.255.255.255",
               "0.0.0.0", "100.100.0.1", "::1", "fe80::1", "ff02::1", "fc00::1", "::ffff:10.0.0.1", "::"]  # fmt: skip
    for text in refused:
        assert not addresses.is_public(ipaddress.ip_address(text)), text
    for text in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]:
        assert addresses.is_public(ipaddress.ip_address(text)), text


def test_a_delivery_connects_to_the_checked_address_under_the_registered_name():
    target = addresses.Target("https://partner.example:8443/hook?x=1", "partner.example", 8443, (PUBLIC,))
    url, headers, extensions = pinned(target.url, target)
    assert url == "https://93.184.216.34:8443/hook?x=1"
    assert headers == {"Host": "partner.example:8443"}
    assert extensions == {"sni_hostname": "partner.example"}
    v6 = addresses.Target("http://partner.example/hook", "partner.example", 80, (ipaddress.ip_address("2606:4700::1"),))
    assert pinned(v6.url, v6) == ("http://[2606:4700::1]/hook", {"Host": "partner.example"}, {})
