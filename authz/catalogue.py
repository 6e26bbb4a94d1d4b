"""The objects, actions and scopes the code knows about.

``policies/policy.csv`` may only grant what is declared here: the policy check refuses any other
line, so a typo can never silently drop or invent a rule. A root GraphQL field names the
permission it needs; ``me { permissions }`` lists the granted ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models import Role

ROLES: frozenset[str] = frozenset(r.value for r in Role)


class Scope(StrEnum):
    """How much of the tenant a grant covers, widest first."""

    ALL = "all"  # every row of the tenant
    TEAM = "team"  # rows in the caller's portfolio or attached to one of their teams
    OWN = "own"  # rows in the caller's portfolio

    @property
    def width(self) -> int:
        return {Scope.ALL: 3, Scope.TEAM: 2, Scope.OWN: 1}[self]


ROW_SCOPES = (Scope.ALL, Scope.TEAM, Scope.OWN)
TENANT_SCOPE = (Scope.ALL,)


@dataclass(frozen=True, slots=True)
class Permission:
    object: str
    action: str
    scopes: tuple[Scope, ...]
    description: str
    # With the company's restricted visibility turned off, a grant of this permission covers
    # the whole tenant whatever its scope (reading only; changes keep their scope).
    widens_when_unrestricted: bool = False
    # What the permission lets one do, as an English verb phrase; "{customers}" stands for the
    # customers concerned ("customers", "this customer"). Refusals are built from it.
    deed: str = ""

    @property
    def key(self) -> str:
        return f"{self.object}:{self.action}"

    def refusal(self, customers: str = "customers") -> str:
        deed = self.deed.format(customers=customers) if self.deed else f"use the permission {self.key}"
        return f"Your role may not {deed}."

    def __str__(self) -> str:
        return self.key


def _p(
    obj: str,
    act: str,
    scopes: tuple[Scope, ...],
    description: str,
    deed: str = "",
    *,
    widens_when_unrestricted: bool = False,
) -> Permission:
    return Permission(obj, act, scopes, description, deed=deed, widens_when_unrestricted=widens_when_unrestricted)


class P:
    """Every permission, by name. Row-scoped ones apply to customers (and what hangs off them);
    authz/rows.py turns their scope into the rows of each kind."""

    CUSTOMER_READ = _p(
        "customer",
        "read",
        ROW_SCOPES,
        "See customers and their profiles",
        "see {customers}",
        widens_when_unrestricted=True,
    )
    # Exporting reads: its scope narrows the list it exports (never widens it), and like reading
    # it covers the whole tenant when the company's restricted visibility is off.
    CUSTOMER_EXPORT = _p(
        "customer",
        "export",
        ROW_SCOPES,
        "Export the customers one sees (CSV, Excel, JSON)",
        "export {customers}",
        widens_when_unrestricted=True,
    )
    CUSTOMER_CREATE = _p("customer", "create", TENANT_SCOPE, "Create customers", "create customers")
    CUSTOMER_UPDATE = _p("customer", "update", ROW_SCOPES, "Edit customers", "edit {customers}")
    CUSTOMER_TAG = _p(
        "customer", "tag", ROW_SCOPES, "Add and remove a customer's tags", "change the tags of {customers}"
    )
    CUSTOMER_ASSIGN = _p(
        "customer",
        "assign",
        TENANT_SCOPE,
        "Choose the seller responsible for a customer",
        "choose the seller responsible for {customers}",
    )
    CUSTOMER_VIEW_CONTACT = _p(
        "customer",
        "view_contact",
        TENANT_SCOPE,
        "See email, phone and WhatsApp even when the company hides contact data from sellers",
        "see the contact data of {customers}",
    )
    CUSTOMER_MERGE = _p(
        "customer", "merge", ROW_SCOPES, "Merge duplicate customers and undo merges", "merge {customers}"
    )
    CUSTOMER_TEAMS = _p(
        "customer",
        "teams",
        ROW_SCOPES,
        "Attach customers to teams and detach them",
        "attach {customers} to teams or detach them",
    )
    CUSTOMER_STATUS = _p(
        "customer",
        "status",
        ROW_SCOPES,
        "Activate and inactivate customers (refused while they have blockers)",
        "activate or inactivate {customers}",
    )
    CUSTOMER_STATUS_BULK = _p(
        "customer",
        "status_bulk",
        TENANT_SCOPE,
        "Activate or inactivate up to 1,000 customers at once",
        "change the status of many customers at once",
    )
    CONTRACT_WRITE = _p(
        "contract",
        "write",
        ROW_SCOPES,
        "Create, change and end customers' contracts",
        "manage the contracts of {customers}",
    )
    PORTFOLIO_READ = _p(
        "portfolio",
        "read",
        TENANT_SCOPE,
        "See every seller's portfolio size and activity",
        "see the sellers' portfolios",
    )
    TEAM_READ = _p("team", "read", TENANT_SCOPE, "See the company's teams and their members", "see teams")
    TEAM_MANAGE = _p("team", "manage", TENANT_SCOPE, "Create, rename and delete teams; change members", "manage teams")
    NOTE_WRITE = _p(
        "note", "write", ROW_SCOPES, "Write notes on customers; edit and delete one's own", "write notes on {customers}"
    )
    NOTE_MODERATE = _p(
        "note", "moderate", TENANT_SCOPE, "Edit and delete anyone's notes", "edit or delete other people's notes"
    )
    TASK_WRITE = _p(
        "task",
        "write",
        ROW_SCOPES,
        "Create, edit, complete and cancel customers' tasks",
        "manage the tasks of {customers}",
    )
    APPOINTMENT_WRITE = _p(
        "appointment",
        "write",
        ROW_SCOPES,
        "Schedule, change and cancel appointments",
        "schedule appointments with {customers}",
    )
    PURCHASE_WRITE = _p(
        "purchase",
        "write",
        ROW_SCOPES,
        "Record purchases (also by sync from a shop)",
        "record purchases of {customers}",
    )
    CONVERSATION_REPLY = _p(
        "conversation",
        "reply",
        ROW_SCOPES,
        "Answer, close and reopen conversations",
        "reply to conversations with {customers}",
    )
    CONVERSATION_START = _p(
        "conversation",
        "start",
        TENANT_SCOPE,
        "Start conversations from a template (users enabled by an admin)",
        "start conversations",
    )
    MESSAGE_RECEIVE = _p(
        "message", "receive", TENANT_SCOPE, "Deliver inbound messages from a channel", "deliver inbound messages"
    )
    TEMPLATE_READ = _p("template", "read", TENANT_SCOPE, "See message templates", "see message templates")
    TEMPLATE_MANAGE = _p(
        "template", "manage", TENANT_SCOPE, "Create, edit and archive message templates", "manage message templates"
    )
    USER_READ = _p("user", "read", TENANT_SCOPE, "See the company's users", "see the company's users")
    USER_MANAGE = _p(
        "user", "manage", TENANT_SCOPE, "Change users' access (e.g. who may start conversations)", "manage users"
    )
    SAVED_FILTER_WRITE = _p(
        "saved_filter", "write", TENANT_SCOPE, "Save personal customer lists (filters)", "save customer lists"
    )
    SAVED_FILTER_SHARE = _p(
        "saved_filter",
        "share",
        TENANT_SCOPE,
        "Share saved lists with the whole company, and manage shared ones",
        "share lists with the whole company",
    )
    TAG_MANAGE = _p("tag", "manage", TENANT_SCOPE, "Delete tags (from every customer)", "delete tags")
    DUPLICATE_READ = _p(
        "duplicate", "read", ROW_SCOPES, "List groups of customers sharing a contact", "list duplicate customers"
    )
    TENANT_UPDATE = _p(
        "tenant", "update", TENANT_SCOPE, "Change the company's settings", "change the company's settings"
    )
    CUSTOM_FIELD_READ = _p(
        "custom_field", "read", TENANT_SCOPE, "See the company's custom field definitions", "see custom fields"
    )
    CUSTOM_FIELD_MANAGE = _p(
        "custom_field",
        "manage",
        TENANT_SCOPE,
        "Define, change, archive and delete custom fields; rename their options",
        "manage custom fields",
    )

    # Imports: "all" imports for the company (and may map an owner column); "own" imports into
    # the caller's own portfolio only and sees their own imports.
    IMPORT_CREATE = _p(
        "import",
        "create",
        (Scope.ALL, Scope.OWN),
        "Import customers from CSV and Excel files",
        "import customers",
    )
    IMPORT_READ = _p("import", "read", (Scope.ALL, Scope.OWN), "See imports and their results", "see imports")
    IMPORT_REVERT = _p(
        "import",
        "revert",
        (Scope.ALL, Scope.OWN),
        "Revert an import: remove the customers it created, restore those it updated",
        "revert imports",
    )
    AUDIT_READ = _p(
        "audit",
        "read",
        TENANT_SCOPE,
        "Read the company's audit log: who changed what, with the values before and after",
        "read the audit log",
    )

    # Reports group the customers the caller may see (customer:read decides which); templates
    # are personal unless shared. "own" changes one's own templates, "all" any the caller sees.
    REPORT_READ = _p(
        "report", "read", TENANT_SCOPE, "Preview and run customer reports, within what one may see", "run reports"
    )
    REPORT_TEMPLATE_CREATE = _p(
        "report_template", "create", TENANT_SCOPE, "Save report templates", "save report templates"
    )
    REPORT_TEMPLATE_SHARE = _p(
        "report_template",
        "share",
        TENANT_SCOPE,
        "Share report templates with the whole company",
        "share report templates with the whole company",
    )
    REPORT_TEMPLATE_UPDATE = _p(
        "report_template",
        "update",
        (Scope.ALL, Scope.OWN),
        "Rename and change report templates (own: one's own only)",
        "change report templates",
    )
    REPORT_TEMPLATE_DELETE = _p(
        "report_template",
        "delete",
        (Scope.ALL, Scope.OWN),
        "Delete report templates (own: one's own only)",
        "delete report templates",
    )

    WEBHOOK_MANAGE = _p(
        "webhook",
        "manage",
        TENANT_SCOPE,
        "Register webhooks, see their deliveries, rotate their secrets and redeliver events",
        "manage webhooks",
    )

    # Deleting customers for good, and a data subject's copy of everything held about one.
    CUSTOMER_DELETE = _p(
        "customer",
        "delete",
        TENANT_SCOPE,
        "Delete customers (with a confirmation code; purged after a delay)",
        "delete {customers}",
    )
    CUSTOMER_RESTORE = _p(
        "customer", "restore", TENANT_SCOPE, "Restore deleted customers before they are purged", "restore customers"
    )
    CUSTOMER_DATA_EXPORT = _p(
        "customer",
        "data_export",
        TENANT_SCOPE,
        "Export everything held about one customer (LGPD art. 18, GDPR art. 15)",
        "export the data held about {customers}",
    )


CATALOGUE: dict[str, Permission] = {p.key: p for p in vars(P).values() if isinstance(p, Permission)}


def permission(key: str) -> Permission:
    return CATALOGUE[key]
