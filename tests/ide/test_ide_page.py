"""GraphiQL's page names only files the service serves itself, and is not there when it is off."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any, cast

import pytest

from server.graphql_ide import CONTENT_TYPES, FILES, IDE_DIR, STATIC_PREFIX, GraphiQLIde
from server.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET

HTML = {"accept": "text/html,application/xhtml+xml"}


class References(HTMLParser):
    """Every URL the page points at: src and href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name) is not None:
                self.found.append((tag, str(attributes[name]), attributes))


async def references(http) -> list[tuple[str, str, dict[str, str | None]]]:
    response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 200, response.text
    parser = References()
    parser.feed(response.text)
    return parser.found


async def test_the_page_names_no_url_outside_the_service(http):
    response = await http.get("/graphql", headers=HTML)

    assert response.headers["content-type"].startswith("text/html")
    assert "http://" not in response.text and "https://" not in response.text and "//" not in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy and "connect-src 'self';" in policy
    urls = [url for _, url, _ in await references(http)]
    assert [u for u in urls if u != "data:,"], urls
    assert all(u.startswith(STATIC_PREFIX + "/") or u == "data:," for u in urls), urls


async def test_each_file_is_served_pinned_typed_and_cached(http):
    named = [(tag, url, attrs) for tag, url, attrs in await references(http) if url.startswith(STATIC_PREFIX)]

    assert [url.rsplit("/", 1)[1] for _, url, _ in named] == [name for name, _ in FILES]
    for (_, url, attrs), (name, path) in zip(named, FILES, strict=True):
        response = await http.get(url)
        assert response.status_code == 200, url
        assert response.content == (IDE_DIR / path).read_bytes()
        assert response.headers["content-type"] == CONTENT_TYPES[os.path.splitext(name)[1]]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert attrs["integrity"] == f"sha384-{digest}", url


async def test_the_big_script_is_gzipped(http):
    url = next(url for _, url, _ in await references(http) if url.endswith("/graphiql.min.js"))

    response = await http.get(url, headers={"accept-encoding": "gzip"})

    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.content) / 3


async def test_a_stale_version_an_unknown_file_or_a_path_outside_is_404(http):
    url = next(url for _, url, _ in await references(http) if url.endswith("/start.js"))
    version = url.split("/")[-2]

    assert (await http.get(f"{STATIC_PREFIX}/0000000000000000/start.js")).status_code == 404
    assert (await http.get(f"{STATIC_PREFIX}/{version}/package.json")).status_code == 404
    assert (await http.get(f"{STATIC_PREFIX}/{version}/..%2Fpackage-lock.json")).status_code == 404
    assert (await http.get(f"{STATIC_PREFIX}/{version}/../../ide/package-lock.json")).status_code == 404


def test_the_installed_packages_are_the_pinned_ones():
    lock = json.loads((IDE_DIR / "package-lock.json").read_text())
    for package in ("graphiql", "react", "react-dom"):
        pinned = lock["packages"][f"node_modules/{package}"]
        installed = json.loads((IDE_DIR / "node_modules" / package / "package.json").read_text())
        assert installed["version"] == pinned["version"], package
        assert pinned["integrity"].startswith("sha512-"), package


# Apps are built in another process, all in one: create_app configures process-wide state
# (webhooks, policies) that the rest of this session's tests rely on.
APPS = """
import asyncio, json, sys
import httpx
from server.app import create_app
from server.graphql_ide import GraphiQLIde
from server.settings import Settings

async def answer(options):
    settings = Settings(**options)
    app = create_app(settings, "postgresql://nobody@127.0.0.1:1/none")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://crm.test") as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        files = [(await http.get(a.url)).status_code for a in GraphiQLIde.load().assets.values()]
    return {"graphiql": settings.graphiql, "page": page.status_code, "body": page.text, "files": files}

print(json.dumps({name: asyncio.run(answer(options)) for name, options in json.loads(sys.argv[1]).items()}))
"""

CASES = {
    "development": {"env": "development"},
    "production": {"env": "production"},
    "CRM_GRAPHIQL=false": {"env": "development", "graphiql": False},
}


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    common = {"jwt_secret": TEST_SECRET, "data_dir": str(tmp_path_factory.mktemp("data"))}
    cases = {name: {**options, **common} for name, options in CASES.items()}
    run = subprocess.run(
        [sys.executable, "-c", APPS, json.dumps(cases)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return cast(dict[str, Any], json.loads(run.stdout.strip().splitlines()[-1]))


def test_the_ide_is_on_in_development(apps):
    answer = apps["development"]

    assert answer["graphiql"] is True
    assert answer["page"] == 200 and "graphiql.min.js" in answer["body"]
    assert answer["files"] == [200] * len(FILES)


@pytest.mark.parametrize("case", ["production", "CRM_GRAPHIQL=false"])
def test_no_ide_when_graphiql_is_off(apps, case):
    answer = apps[case]

    assert answer["graphiql"] is False
    assert answer["page"] == 405, answer  # the usual answer to a GET, not a page
    assert json.loads(answer["body"])["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert answer["files"] == [404] * len(FILES)


def test_without_its_files_the_page_says_how_to_install_them(tmp_path):
    (tmp_path / "start.js").write_text("// ours is there, npm's packages are not")

    ide = GraphiQLIde.load(tmp_path)
    response = ide.page_response()

    assert response.status_code == 503
    assert ide.assets == {}
    assert b"make ide" in response.body and b"ide/node_modules/graphiql/graphiql.min.js" in response.body
    assert b"ide/start.js" not in response.body
