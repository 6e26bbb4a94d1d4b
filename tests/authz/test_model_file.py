"""model.conf may differ from the model the code is written for only in comments and spacing."""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from authz.policy import PolicyInvalid, load_policy
from authz.policy_model import check_model_text
from server.settings import PROJECT_ROOT

ORIGINAL = (PROJECT_ROOT / "policies" / "model.conf").read_text()
LIST = "{ customers(first: 100, portfolio: ALL) { totalCount } }"


def _line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


MATCHER_LINE = _line_of(ORIGINAL, "m =")

# Each change would widen or break every decision; each is refused at the line it is on.
TAMPERED: list[tuple[str, Callable[[str], str], int | None, str]] = [
    ("and becomes or", lambda t: t.replace("&& r.obj", "|| r.obj"), MATCHER_LINE, "[matchers] m must be exactly"),
    ("scope dropped", lambda t: t.replace(" && r.scope == p.scope", ""), MATCHER_LINE, "[matchers] m must be"),
    ("always true", lambda t: t.replace("m = g(", "m = true || g("), MATCHER_LINE, "[matchers] m must be"),
    (
        "deny effect",
        lambda t: t.replace("e = some(where (p.eft == allow))", "e = !some(where (p.eft == deny))"),
        _line_of(ORIGINAL, "e ="),
        "allow-only",
    ),
    (
        "request reordered",
        lambda t: t.replace("r = sub, dom, obj, act, scope", "r = dom, sub, obj, act, scope"),
        _line_of(ORIGINAL, "r ="),
        "[request_definition] r must be exactly",
    ),
    (
        "second matcher",
        lambda t: t + "m2 = true\n",
        len(ORIGINAL.splitlines()) + 1,
        "unexpected 'm2' in [matchers]",
    ),
    ("extra section", lambda t: t + "[policy_definition2]\n", len(ORIGINAL.splitlines()) + 1, "unknown section"),
    ("role links removed", lambda t: t.replace("g = _, _", ""), _line_of(ORIGINAL, "[role_definition]"), "lacks"),
    ("no matcher", lambda t: t[: t.index("[matchers]")], None, "missing [matchers] section"),
]


@pytest.mark.parametrize(("change", "line", "message"), [t[1:] for t in TAMPERED], ids=[t[0] for t in TAMPERED])
def test_any_change_to_the_model_is_refused_with_its_line(change, line, message):
    problems = check_model_text(change(ORIGINAL))

    assert any(p.line == line and message in p.message for p in problems), problems


def test_comments_and_spacing_may_change():
    relaxed = ORIGINAL.replace(" && ", "   &&\t").replace("r = ", "r=").replace("[matchers]", "# who\n[matchers]")

    assert check_model_text(relaxed) == []
    assert check_model_text(ORIGINAL) == []


def test_load_policy_names_the_file_and_line(tmp_path: Path):
    shutil.copy(PROJECT_ROOT / "policies" / "policy.csv", tmp_path / "policy.csv")
    (tmp_path / "model.conf").write_text(ORIGINAL.replace("&& r.obj", "|| r.obj"))

    with pytest.raises(PolicyInvalid) as refused:
        load_policy(tmp_path)

    assert f"{tmp_path / 'model.conf'}:{MATCHER_LINE}: [matchers] m must be exactly" in str(refused.value)


def test_crm_policy_check_refuses_a_tampered_model(tmp_path: Path):
    shutil.copy(PROJECT_ROOT / "policies" / "policy.csv", tmp_path / "policy.csv")
    (tmp_path / "model.conf").write_text(ORIGINAL.replace("&& r.obj", "|| r.obj"))

    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "policy", "check", str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert f"{tmp_path / 'model.conf'}:{MATCHER_LINE}: [matchers] m must be exactly" in result.stderr


async def _settle(store, until: Callable[[], bool]) -> None:
    for _ in range(200):
        if until():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the policy store did not react")


async def test_a_tampered_matcher_is_not_hot_reloaded(gql, factory, app, policy_dir, caplog):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    await factory.customer(tenant, owner=seller)
    await factory.customer(tenant, owner=other)
    store = app.state.policies
    path = policy_dir / "model.conf"
    good = store.current.fingerprint
    try:
        with caplog.at_level(logging.ERROR, logger="crm.policy"):
            path.write_text(ORIGINAL.replace("&& r.obj", "|| r.obj"))
            await _settle(store, lambda: store.last_error is not None)

        assert store.current.fingerprint == good
        assert any("POLICY REFUSED" in r.message and f"model.conf:{MATCHER_LINE}" in r.message for r in caplog.records)
        # The seller still sees only its own portfolio and still may not read portfolios.
        assert (await gql.data(LIST, as_=seller))["customers"]["totalCount"] == 1
        denied = await gql.post("{ portfolios { customerCount } }", as_=seller)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        path.write_text(ORIGINAL)
        await _settle(store, lambda: store.last_error is None)


async def test_a_respaced_model_reloads(app, policy_dir):
    store = app.state.policies
    path = policy_dir / "model.conf"
    before = store.current.fingerprint
    try:
        path.write_text("# spacing only\n" + ORIGINAL.replace(" && ", "  &&  "))
        await _settle(store, lambda: store.current.fingerprint != before)
        assert store.last_error is None
    finally:
        path.write_text(ORIGINAL)
        await _settle(store, lambda: store.current.fingerprint == before)
