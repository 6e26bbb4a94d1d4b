"""Per-request authorization: the principal, one policy snapshot and memoised decisions."""

from __future__ import annotations

from prometheus_client import Counter

from authz.catalogue import CATALOGUE, Permission, Scope
from authz.errors import Forbidden, Unauthenticated
from authz.policy import CompiledPolicy
from authz.principal import Principal

REFUSALS = Counter(
    "crm_authz_refusals",
    "Requests refused (FORBIDDEN) because the policy grants the caller's role no scope for the action.",
    ["action"],
)


class Access:
    """What the caller may do during one request.

    The policy is read once when the request starts, so a reload in the middle of a request
    never mixes two policies in one answer.
    """

    __slots__ = ("_decisions", "_policy", "_principal")

    def __init__(self, principal: Principal | None, policy: CompiledPolicy) -> None:
        self._principal = principal
        self._policy = policy
        self._decisions: dict[str, Scope | None] = {}

    @property
    def authenticated(self) -> bool:
        return self._principal is not None

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            raise Unauthenticated()
        return self._principal

    @property
    def policy(self) -> CompiledPolicy:
        return self._policy

    def scope(self, perm: Permission) -> Scope | None:
        try:
            return self._decisions[perm.key]
        except KeyError:
            p = self.principal
            scope = self._policy.scope_for(p.role.value, p.tenant_slug, perm)
            if scope is not None and perm.widens_when_unrestricted and not p.settings.restricted_visibility:
                scope = Scope.ALL
            self._decisions[perm.key] = scope
            return scope

    def can(self, perm: Permission) -> bool:
        return self.scope(perm) is not None

    def require(self, perm: Permission) -> Scope:
        scope = self.scope(perm)
        if scope is None:
            REFUSALS.labels(perm.key).inc()
            raise Forbidden(perm.refusal())
        return scope

    def covers_team(self, perm: Permission, team_id: object) -> bool:
        """Whether the caller may name a team when acting with ``perm``: a company-wide grant covers
        every team, a narrower one only the teams the caller is in."""
        return self.scope(perm) is Scope.ALL or team_id in self.principal.team_ids

    def granted(self) -> list[tuple[Permission, Scope]]:
        return [(perm, s) for perm in CATALOGUE.values() if (s := self.scope(perm)) is not None]
