"""GraphiQL in a real headless Chromium with every request beyond the service refused: the IDE
renders, and `{ me { role } }` sent with a bearer token typed into its headers editor answers."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request, Route, async_playwright

from models import Role

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No background traffic of Chromium's own (updates, sync, safe browsing); a closed network
# refuses it, and it is not the page's.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No name resolves but the service's address: nothing beyond it is reachable at all.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="module")
async def live_url(app: Any) -> AsyncIterator[str]:
    """The session's app served over real HTTP on a free port (Chromium cannot use ASGI)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def replace_text(page: Page, editor: str, text: str) -> None:
    """Type into one of GraphiQL's editors the way a person pastes: click, select all, paste."""
    await page.locator(f"{editor} .CodeMirror").click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)


async def test_graphiql_runs_a_query_with_a_token_and_no_network(live_url, factory):
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
    admin = await factory.user(await factory.tenant(), Role.ADMIN)
    outside: list[str] = []
    requested: list[str] = []
    problems: list[str] = []

    async def only_the_service(route: Route) -> None:
        url = route.request.url
        if f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" == live_url:
            await route.continue_()
        else:
            outside.append(url)
            await route.abort("internetdisconnected")

    def seen(request: Request) -> None:
        requested.append(request.url)

    async with async_playwright() as playwright:
        # Playwright starts Chromium with a fresh, temporary --user-data-dir.
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, timeout=15_000)
        try:
            context = await browser.new_context()
            await context.route("**/*", only_the_service)
            page = await context.new_page()
            page.set_default_timeout(10_000)
            page.on("request", seen)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)

            try:
                await page.goto(f"{live_url}/graphql")
                await page.locator(".graphiql-container .graphiql-query-editor .CodeMirror").wait_for()
                await replace_text(page, ".graphiql-query-editor", "{ me { role } }")
                await page.get_by_role("button", name="Headers", exact=True).click()
                headers = '.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)'
                await replace_text(page, headers, f'{{"Authorization": "Bearer {admin.token}"}}')
                await page.locator(".graphiql-execute-button").click()
                result = page.locator(".graphiql-response")
                await result.get_by_text('"ADMIN"').wait_for()
                answer = await result.inner_text()
            except PlaywrightError as error:  # say what the page tried, not only what it lacks
                pytest.fail(f"{error}\nrefused beyond the service: {outside}\nproblems: {problems}")
        finally:
            await browser.close()

    assert '"role": "ADMIN"' in answer, answer
    assert outside == [], outside
    assert all(url.startswith(live_url + "/") or url.startswith("data:") for url in requested), requested
    assert f"{live_url}/graphql" in requested and any("/graphql-ide/static/" in u for u in requested), requested
    assert problems == [], problems
