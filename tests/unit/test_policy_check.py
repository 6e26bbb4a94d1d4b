"""The policy check refuses everything pycasbin would load quietly and get wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from authz.catalogue import P, Scope
from authz.policy import PolicyInvalid, load_policy, parse_policy
from server.settings import PROJECT_ROOT

POLICIES = PROJECT_ROOT / "policies"


def problems_of(text: str) -> list[tuple[int | None, str]]:
    _, _, problems = parse_policy(text, Path("policy.csv"))
    return [(p.line, p.message) for p in problems]


def test_the_shipped_policy_is_valid():
    policy = load_policy(POLICIES)

    assert policy.scope_for("admin", "any", P.CUSTOMER_READ) is Scope.ALL


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("p, admin, *, customer, read", "a grant has 5 fields"),
        ("p, admin, *, customer, read, all, extra", "a grant has 5 fields"),
        ("q, admin, *, customer, read, all", "unknown line type 'q'"),
        ("garbage", "unknown line type 'garbage'"),
        ("p, admn, *, customer, read, all", "unknown role 'admn' (did you mean 'admin'?)"),
        ("p, admin, *, custmer, read, all", "unknown object 'custmer' (did you mean 'customer'?)"),
        ("p, admin, *, customer, raed, all", "unknown action 'raed' on 'customer' (did you mean 'read'?)"),
        ("p, admin, *, customer, read, everything", "scope 'everything' is not valid for customer:read"),
        ("p, admin, *, customer, create, own", "scope 'own' is not valid for customer:create"),
        ("p, admin, Acme Inc, customer, read, all", "unexpected text 'Acme Inc'"),
        ('p, admin, *, "customer", read, all', "unexpected text"),
        ("g, admin", "a role link has 2 fields"),
        ("g, admin, boss", "unknown role 'boss'"),
        ("g, admin, admin", "a role cannot inherit from itself"),
    ],
)
def test_each_broken_line_is_refused_with_its_line_number(line, message):
    text = "# header\np, admin, *, customer, read, all\n" + line + "\n"

    found = problems_of(text)

    assert len(found) == 1
    assert found[0][0] == 3
    assert message in found[0][1]


def test_an_empty_policy_is_refused():
    assert problems_of("# only comments\n\n") == [(None, "no grants: an empty policy would refuse everything")]


def write(tmp_path: Path, policy: str | None = None, model: str | None = None) -> Path:
    shutil.copy(POLICIES / "model.conf", tmp_path / "model.conf")
    shutil.copy(POLICIES / "policy.csv", tmp_path / "policy.csv")
    if policy is not None:
        (tmp_path / "policy.csv").write_text(policy)
    if model is not None:
        (tmp_path / "model.conf").write_text(model)
    return tmp_path


def test_a_model_with_a_deny_effect_is_refused(tmp_path):
    model = (
        (POLICIES / "model.conf")
        .read_text()
        .replace("e = some(where (p.eft == allow))", "e = some(where (p.eft == allow)) && !some(where (p.eft == deny))")
    )

    with pytest.raises(PolicyInvalid, match="allow-only"):
        load_policy(write(tmp_path, model=model))


def test_a_model_with_other_request_fields_is_refused(tmp_path):
    model = (POLICIES / "model.conf").read_text().replace("r = sub, dom, obj, act, scope", "r = sub, obj, act")

    with pytest.raises(PolicyInvalid, match="r must be"):
        load_policy(write(tmp_path, model=model))


def test_a_model_that_does_not_compile_is_refused(tmp_path):
    with pytest.raises(PolicyInvalid):
        load_policy(write(tmp_path, model="[request_definition]\nthis is not a model\n"))


def test_a_matcher_that_cannot_be_evaluated_is_refused(tmp_path):
    model = (POLICIES / "model.conf").read_text().replace("r.obj == p.obj", "r.obj == p.nothing(")

    with pytest.raises(PolicyInvalid):
        load_policy(write(tmp_path, model=model))


def test_missing_files_are_refused(tmp_path):
    with pytest.raises(PolicyInvalid, match="file not found"):
        load_policy(tmp_path)


def test_the_widest_granted_scope_wins_and_tenant_lines_only_add(tmp_path):
    text = "p, seller, *, customer, read, own\np, seller, acme, customer, read, all\np, admin, *, customer, read, all\n"
    policy = load_policy(write(tmp_path, policy=text))

    assert policy.scope_for("seller", "other", P.CUSTOMER_READ) is Scope.OWN
    assert policy.scope_for("seller", "acme", P.CUSTOMER_READ) is Scope.ALL
    assert policy.scope_for("seller", "acme", P.CUSTOMER_UPDATE) is None


def test_role_links_inherit_grants(tmp_path):
    text = "p, seller, *, customer, read, own\np, supervisor, *, customer, update, all\ng, supervisor, seller\n"
    policy = load_policy(write(tmp_path, policy=text))

    explanation = policy.explain("supervisor", "x", P.CUSTOMER_READ)
    assert explanation.scope is Scope.OWN
    assert explanation.grant is not None and explanation.grant.line == 1
    assert explanation.inherited_via == "seller"
