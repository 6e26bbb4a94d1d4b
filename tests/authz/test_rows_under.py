"""A list read under its parent row takes its filter from the registry: where a kind is visible
with that parent, the parent (already read under its own rule) stands for it; any other rule is
applied whole."""

from __future__ import annotations

from uuid import uuid4

from authz.access import Access
from authz.catalogue import P
from authz.principal import Principal
from authz.rows import READ, RULES, RowRule, rows_under, visible_rows
from models import Role
from models.sql import FALSE


def _access(app, role: Role = Role.SELLER) -> Access:
    return Access(Principal(uuid4(), "acme", role, uuid4()), app.state.policies.current)


def test_a_child_visible_with_its_customer_needs_only_the_link_and_the_tenant(app):
    access = _access(app)
    for kind in ("Note", "Task", "Appointment", "Purchase", "Conversation"):
        where = rows_under(access, kind, "n", "Customer", "c", "customer_id")
        assert where.text == "(n.tenant_id = %s) AND (n.customer_id = c.id)", kind
        assert "customer" not in where.text.replace("customer_id", "")  # no second look at the customer
    messages = rows_under(access, "Message", "m", "Conversation", "v", "conversation_id")
    assert messages.text == "(m.tenant_id = %s) AND (m.conversation_id = v.id)"


def test_any_other_rule_is_applied_whole(app, monkeypatch):
    access = _access(app)
    # Under a parent of another kind, or through another column: the rule, beside the link.
    under_team = rows_under(access, "Note", "n", "Team", "t", "customer_id")
    assert "EXISTS (SELECT 1 FROM customer" in under_team.text and "n.customer_id = t.id" in under_team.text
    # A rule changed in the registry (notes: only those of customers one may also write notes on)
    # reaches the list at once.
    changed = RowRule("note", RULES[("Note", READ)].permission, RULES[("Task", P.TASK_WRITE.key)].where)
    monkeypatch.setitem(RULES, ("Note", READ), changed)
    where = rows_under(access, "Note", "n", "Customer", "c", "customer_id")
    assert where.text.startswith("(n.tenant_id = %s) AND (n.customer_id = c.id) AND (")
    assert "EXISTS (SELECT 1 FROM customer" in where.text


def test_a_kind_the_caller_may_not_see_is_nothing(app):
    access = _access(app)
    assert rows_under(access, "Invoice", "x", "Customer", "c", "customer_id") is FALSE
    assert visible_rows(access, "Invoice", "x") is FALSE
