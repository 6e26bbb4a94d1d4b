"""Reading, checking and compiling the Casbin policy files.

pycasbin loads broken files quietly (unknown line types and garbage are skipped, a short line
makes every later ``enforce`` raise, a misspelt object just never matches), so every line is
checked here against the catalogue before Casbin sees it. Decisions are memoised per compiled
policy: a reload builds a new ``CompiledPolicy`` with an empty memo.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import casbin
from casbin.model import Model

from authz.catalogue import CATALOGUE, ROLES, Permission, Scope
from authz.policy_model import check_model_file
from models import Role

MODEL_FILE = "model.conf"
POLICY_FILE = "policy.csv"
_TOKEN = re.compile(r"^[A-Za-z0-9_.*-]+$")
_TENANT = re.compile(r"^(\*|[a-z0-9][a-z0-9-]{0,62})$")

logging.getLogger("casbin").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class PolicyInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    tenant: str
    permission: Permission
    scope: Scope
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class RoleLink:
    role: str
    inherits: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Explanation:
    scope: Scope | None
    grant: Grant | None
    inherited_via: str | None = None


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_policy(text: str, path: Path) -> tuple[list[Grant], list[RoleLink], list[Problem]]:
    grants: list[Grant] = []
    links: list[RoleLink] = []
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = [t.strip() for t in line.split(",")]
        bad = [t for t in tokens if not _TOKEN.match(t)]
        if bad:
            problem(number, f"unexpected text {bad[0]!r}: fields are plain words separated by commas")
            continue
        kind = tokens[0]
        if kind == "p":
            if len(tokens) != 6:
                problem(number, f"a grant has 5 fields (role, tenant, object, action, scope); found {len(tokens) - 1}")
                continue
            role, tenant, obj, act, scope = tokens[1:]
            if role not in ROLES:
                problem(number, f"unknown role {role!r}{_suggest(role, ROLES)}")
                continue
            if not _TENANT.match(tenant):
                problem(number, f"tenant must be * or a tenant slug, not {tenant!r}")
                continue
            perm = CATALOGUE.get(f"{obj}:{act}")
            if perm is None:
                objects = {p.object for p in CATALOGUE.values()}
                if obj not in objects:
                    problem(number, f"unknown object {obj!r}{_suggest(obj, objects)}")
                else:
                    actions = [p.action for p in CATALOGUE.values() if p.object == obj]
                    problem(number, f"unknown action {act!r} on {obj!r}{_suggest(act, actions)}")
                continue
            if scope not in {s.value for s in perm.scopes}:
                allowed = ", ".join(s.value for s in perm.scopes)
                problem(number, f"scope {scope!r} is not valid for {perm.key} (allowed: {allowed})")
                continue
            grants.append(Grant(role, tenant, perm, Scope(scope), number, line))
        elif kind == "g":
            if len(tokens) != 3:
                problem(number, f"a role link has 2 fields (role, inherited role); found {len(tokens) - 1}")
                continue
            role, inherits = tokens[1:]
            for name in (role, inherits):
                if name not in ROLES:
                    problem(number, f"unknown role {name!r}{_suggest(name, ROLES)}")
                    break
            else:
                if role == inherits:
                    problem(number, "a role cannot inherit from itself")
                else:
                    links.append(RoleLink(role, inherits, number, line))
        else:
            problem(number, f"unknown line type {kind!r}: expected 'p' (a grant) or 'g' (a role link)")
    if not grants and not problems:
        problems.append(Problem(path, None, "no grants: an empty policy would refuse everything"))
    return grants, links, problems


def check_model(path: Path) -> tuple[Model | None, list[Problem]]:
    """The compiled model when ``path`` holds the one model the code is written for."""
    model, problems = check_model_file(path)
    return model, [Problem(path, p.line, p.message) for p in problems]


class CompiledPolicy:
    """A checked policy with a Casbin enforcer, asked once per (role, tenant, permission)."""

    def __init__(
        self,
        enforcer: casbin.Enforcer,
        grants: list[Grant],
        links: list[RoleLink],
        fingerprint: str,
        directory: Path,
    ) -> None:
        self._enforcer = enforcer
        self.grants = grants
        self.links = links
        self.fingerprint = fingerprint
        self.directory = directory
        self._memo: dict[tuple[str, str, str], Scope | None] = {}

    def scope_for(self, role: str, tenant: str, perm: Permission) -> Scope | None:
        key = (role, tenant, perm.key)
        try:
            return self._memo[key]
        except KeyError:
            pass
        granted = None
        for scope in sorted(perm.scopes, key=lambda s: -s.width):
            if self._enforcer.enforce(role, tenant, perm.object, perm.action, scope.value):
                granted = scope
                break
        self._memo[key] = granted
        return granted

    def explain(self, role: str, tenant: str, perm: Permission) -> Explanation:
        scope = self.scope_for(role, tenant, perm)
        if scope is None:
            return Explanation(None, None)
        _, rule = self._enforcer.enforce_ex(role, tenant, perm.object, perm.action, scope.value)
        for grant in self.grants:
            if [grant.role, grant.tenant, grant.permission.object, grant.permission.action, grant.scope.value] == rule:
                via = None if grant.role == role else grant.role
                return Explanation(scope, grant, via)
        return Explanation(scope, None)

    def tenants(self) -> list[str]:
        return sorted({g.tenant for g in self.grants})


def fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in (MODEL_FILE, POLICY_FILE):
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"\0missing")
    return digest.hexdigest()


def load_policy(directory: Path) -> CompiledPolicy:
    """Check both files and compile them; raise ``PolicyInvalid`` listing every problem."""
    directory = Path(directory)
    model_path, policy_path = directory / MODEL_FILE, directory / POLICY_FILE
    print_ = fingerprint(directory)
    model, problems = check_model(model_path)
    if not policy_path.is_file():
        problems.append(Problem(policy_path, None, "file not found"))
        raise PolicyInvalid(problems)
    try:
        text = policy_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(policy_path, None, "not UTF-8 text"))
        raise PolicyInvalid(problems) from None
    grants, links, policy_problems = parse_policy(text, policy_path)
    problems.extend(policy_problems)
    if problems or model is None:
        raise PolicyInvalid(problems)
    enforcer = casbin.Enforcer(model)
    enforcer.add_named_policies("p", [_grant_tokens(g) for g in grants])
    if links:
        enforcer.add_named_grouping_policies("g", [[link.role, link.inherits] for link in links])
    try:
        enforcer.enforce("admin", "*", "customer", "read", "all")
    except Exception as exc:
        raise PolicyInvalid([Problem(model_path, None, f"matcher cannot be evaluated: {exc}")]) from exc
    return CompiledPolicy(enforcer, grants, links, print_, directory)


def _grant_tokens(grant: Grant) -> list[str]:
    p = grant.permission
    return [grant.role, grant.tenant, p.object, p.action, grant.scope.value]


@dataclass
class PermissionTable:
    roles: list[str]
    rows: list[tuple[Permission, dict[str, Scope | None]]] = field(default_factory=list)


def permission_table(policy: CompiledPolicy, tenant: str = "*") -> PermissionTable:
    roles = [r.value for r in Role]
    table = PermissionTable(roles)
    for perm in CATALOGUE.values():
        table.rows.append((perm, {role: policy.scope_for(role, tenant, perm) for role in roles}))
    return table
