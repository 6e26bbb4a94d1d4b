"""Why a user may or may not do something to a customer, in words (``crm policy explain``).

The words come from the policy; the decision about a given customer is the one the row rules of
authz/rows.py take (``ruled``), the same that every read and write applies, so the explanation
can never approve what the API refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from authz.catalogue import Permission, Scope
from authz.policy import CompiledPolicy


@dataclass
class Subject:
    email: str
    role: str
    tenant_slug: str
    user_id: UUID
    team_names: dict[UUID, str]  # the user's teams
    restricted_visibility: bool = True


@dataclass
class Target:
    id: UUID
    name: str
    owner_id: UUID | None
    owner_name: str | None
    team_ids: list[UUID] = field(default_factory=list)
    merged_into: UUID | None = None


@dataclass
class Verdict:
    allowed: bool
    reasons: list[str]

    def __str__(self) -> str:
        return "\n".join([*self.reasons, "=> ALLOWED" if self.allowed else "=> DENIED"])


SCOPE_MEANING = {
    Scope.ALL: "every customer of the tenant",
    Scope.TEAM: "the caller's portfolio and the customers of the caller's teams",
    Scope.OWN: "the caller's portfolio",
}


def explain(
    policy: CompiledPolicy, who: Subject, perm: Permission, target: Target | None, ruled: bool | None = None
) -> Verdict:
    """``ruled``: whether the row rule for ``perm`` finds the target for this user (None when no
    rule covers it); it decides, and a disagreement with the words is said."""
    verdict = _in_words(policy, who, perm, target)
    if ruled is None or ruled == verdict.allowed:
        return verdict
    said = "allows" if ruled else "refuses"
    verdict.reasons.append(f"The row rule for {perm.key} (authz/rows.py) {said} it.")
    return Verdict(ruled, verdict.reasons)


def _in_words(policy: CompiledPolicy, who: Subject, perm: Permission, target: Target | None) -> Verdict:
    reasons = [f"{who.email} has role '{who.role}' in tenant '{who.tenant_slug}'; asking for {perm.key}."]
    found = policy.explain(who.role, who.tenant_slug, perm)
    if found.scope is None:
        reasons.append(
            f"No line of {policy.directory / 'policy.csv'} grants {perm.key} to '{who.role}' "
            f"(in tenant '{who.tenant_slug}' or '*'), directly or through a role it inherits."
        )
        return Verdict(False, reasons)
    scope = found.scope
    if found.grant is not None:
        via = f" (inherited from '{found.inherited_via}')" if found.inherited_via else ""
        reasons.append(
            f"{policy.directory / 'policy.csv'} line {found.grant.line} grants scope '{scope.value}'{via}: "
            f"{found.grant.text}"
        )
    if perm.widens_when_unrestricted and not who.restricted_visibility and scope is not Scope.ALL:
        reasons.append("The tenant has restricted visibility turned off, so reading covers every customer.")
        scope = Scope.ALL
    if target is None:
        reasons.append(f"Scope '{scope.value}' covers {SCOPE_MEANING[scope]}.")
        return Verdict(True, reasons)
    if target.merged_into is not None:
        reasons.append(f"Customer {target.id} was merged into {target.merged_into}; ask about that one.")
        return Verdict(False, reasons)
    holder = "nobody (unassigned)" if target.owner_id is None else (target.owner_name or str(target.owner_id))
    reasons.append(f"Customer {target.id} '{target.name}' is held by {holder}.")
    reasons.append(f"Scope '{scope.value}' covers {SCOPE_MEANING[scope]}.")
    if scope is Scope.ALL:
        return Verdict(True, reasons)
    if target.owner_id == who.user_id:
        reasons.append("The customer is in the caller's portfolio.")
        return Verdict(True, reasons)
    shared = [who.team_names[t] for t in target.team_ids if t in who.team_names]
    if scope is Scope.TEAM and shared:
        reasons.append(f"The customer is attached to {', '.join(sorted(shared))}, a team of the caller.")
        return Verdict(True, reasons)
    reasons.append(
        "The customer is not in the caller's portfolio"
        + (" and not attached to any of the caller's teams." if scope is Scope.TEAM else ".")
    )
    return Verdict(False, reasons)
