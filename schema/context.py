"""The per-request context every resolver receives, built once by the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

from authz.access import Access
from authz.errors import Unauthenticated
from schema.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request


@dataclass(slots=True)
class Context:
    request: Request | None
    # None when the request carried no credential, or a bad one (then ``auth_error`` says why).
    _access: Access | None
    auth_error: Unauthenticated | None = None
    loaders: Loaders = field(init=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self._access)

    @property
    def access(self) -> Access:
        if self._access is None or not self._access.authenticated:
            raise self.auth_error or Unauthenticated()
        return self._access


Info: TypeAlias = strawberry.Info[Context, None]
