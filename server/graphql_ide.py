"""GraphiQL served by the service itself: its page and five files, nothing from a CDN.

GraphiQL, React and ReactDOM are the npm packages that ide/package-lock.json pins, with the
sha512 integrity npm checks; `make run` and `make test` install them with `npm ci` into
ide/node_modules. Each file is served under a URL that carries a digest of its content, so a
browser may keep it for a year, and the page names it with a Subresource Integrity hash.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

from server.settings import PROJECT_ROOT

log = logging.getLogger("crm.ide")

IDE_DIR = PROJECT_ROOT / "ide"
STATIC_PREFIX = "/graphql-ide/static"

# What the page loads, in this order: (name in the URL, path under ide/).
FILES = (
    ("graphiql.min.css", "node_modules/graphiql/graphiql.min.css"),
    ("react.production.min.js", "node_modules/react/umd/react.production.min.js"),
    ("react-dom.production.min.js", "node_modules/react-dom/umd/react-dom.production.min.js"),
    ("graphiql.min.js", "node_modules/graphiql/graphiql.min.js"),
    ("start.js", "start.js"),
)

CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# The browser itself refuses anything from another origin; styles may be inline (GraphiQL sets
# some at run time), fonts and icons are data: URLs inside graphiql.min.css.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

NOT_INSTALLED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body><h1>GraphiQL's files are not installed</h1>
<p>Missing: {missing}. Run <code>make ide</code> (it runs <code>npm ci --prefix ide</code>), then restart the
service. <code>make run</code> does this by itself.</p></body></html>
"""


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:16]

    @cached_property
    def integrity(self) -> str:
        return "sha384-" + base64.b64encode(hashlib.sha384(self.body).digest()).decode()

    @property
    def url(self) -> str:
        return f"{STATIC_PREFIX}/{self.version}/{self.name}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[Path(self.name).suffix]


def render_page(assets: list[Asset], endpoint: str) -> str:
    styles = [a for a in assets if a.name.endswith(".css")]
    scripts = [a for a in assets if a.name.endswith(".js")]
    links = "\n".join(f'<link rel="stylesheet" href="{a.url}" integrity="{a.integrity}">' for a in styles)
    tags = "\n".join(f'<script src="{a.url}" integrity="{a.integrity}"></script>' for a in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CRM GraphiQL</title>
<link rel="icon" href="data:,">
{links}
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql" data-endpoint="{escape(endpoint)}">Loading...</div>
{tags}
</body>
</html>
"""


class GraphiQLIde:
    """The IDE page and its files, read once; ``missing`` names the files that were not found."""

    def __init__(self, assets: list[Asset], missing: list[str], endpoint: str = "/graphql") -> None:
        self.assets = {a.name: a for a in assets}
        self.missing = missing
        self.page = (
            NOT_INSTALLED.format(missing=escape(", ".join(missing))) if missing else render_page(assets, endpoint)
        )

    @classmethod
    def load(cls, directory: Path = IDE_DIR) -> GraphiQLIde:
        missing = [f"ide/{path}" for _, path in FILES if not (directory / path).is_file()]
        if missing:
            log.warning("GraphiQL is on but its files are missing (%s): run `make ide`", ", ".join(missing))
            return cls([], missing)
        return cls([Asset(name, (directory / path).read_bytes()) for name, path in FILES], [])

    def page_response(self) -> Response:
        headers = {
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        return HTMLResponse(self.page, status_code=503 if self.missing else 200, headers=headers)

    async def static(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["name"])
        if asset is None or asset.version != request.path_params["version"]:
            return PlainTextResponse("Not Found", status_code=404)
        # The URL changes with the content, so a browser never needs to ask again.
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
        return Response(asset.body, media_type=asset.content_type, headers=headers)

    def routes(self) -> list[BaseRoute]:
        files = Router(routes=[Route("/{version:str}/{name:str}", self.static, methods=["GET"])])
        # graphiql.min.js is 3.5 MB; gzip makes it about a fifth over a slow office network.
        return [Mount(STATIC_PREFIX, app=GZipMiddleware(files))]
