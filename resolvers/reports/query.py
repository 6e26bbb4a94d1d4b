"""The one statement of a report: every group, subtotal and total, and the raw values folded into
each group, computed by PostgreSQL.

The rows in scope are read once and grouped by their raw values (``GROUP BY``), which leaves a
few hundred rows however many customers there are; those are folded (``crm_fold``: case, accents,
outer and repeated spaces; then the template's synonyms) and rolled up with ``GROUPING SETS`` into
the cells, the subtotals and the grand total. Rolling up sums the raw groups, which is exact while
a customer sits in one group per dimension. A dimension that puts a customer in several groups
(tags, teams, multi-select options) gives one row per value; the raw grouping also keeps whether a
row is the customer's first value of it, and a total that does not show that dimension sums only
those rows, so a customer with two tags still counts once in its row's total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.sql import Sql, join
from resolvers.reports.definition import Report, TotalKind
from resolvers.reports.dimensions import MeasureSql, Part

GroupingSet = tuple[int, ...]


def grouping_sets(report: Report) -> list[GroupingSet]:
    """The cells (every dimension), the subtotals and the grand total a report shows."""
    n = len(report.dimensions)
    if n == 1:
        return [(0,), ()]
    if report.columns:
        return [(0, 1), (0,), (1,), ()]
    return [(0, 1), (0,), ()]


@dataclass(frozen=True, slots=True)
class Source:
    """Where the rows come from: ``origin`` (``customer c`` or an exported file ``r``), the
    condition of the rows in scope, and each dimension and the measure on that row."""

    origin: Sql
    where: Sql
    parts: Sequence[Part]
    measure: MeasureSql


def _branch_of(report: Report, grouping: GroupingSet) -> GroupingSet:
    """The raw grouping a set rolls up from: its dimensions and every single-valued one."""
    single = {i for i, d in enumerate(report.dimensions) if not d.many}
    return tuple(sorted(set(grouping) | single))


def _value(kind: TotalKind) -> str:
    if kind is TotalKind.COUNT:
        return "coalesce(sum(n), 0)::numeric"
    if kind is TotalKind.SUM:
        return "coalesce(sum(amount), 0)"
    return "round(sum(amount) / nullif(sum(weight), 0), 4)"


def _scan(report: Report, source: Source) -> Sql:
    """The one pass over the rows in scope: grouped by every raw value and, per dimension with
    several values, by whether the row is the customer's first (``f{i}``)."""
    n = len(report.dimensions)
    # Grouped on the values as they are (an id, not its text: casting 1.5M tag ids cost a fifth of
    # the pass); the few hundred groups become text afterwards.
    columns = [source.parts[i].value.wrap("", f" AS r{i}") for i in range(n)]
    firsts = [f.wrap("", f" AS f{i}") for i in range(n) if (f := source.parts[i].first) is not None]
    laterals = [*(p.lateral for p in source.parts), source.measure.lateral]
    grouped = ", ".join(str(1 + i) for i in range(n + len(firsts)))
    return (
        Sql("SELECT ")
        + join(", ", [*columns, *firsts])
        + Sql(", count(*) AS n, sum(")
        + source.measure.amount
        + Sql(") AS amount, sum(")
        + source.measure.weight
        + Sql(") AS weight FROM ")
        + source.origin
        + join("", (j.wrap(" ", "") for j in laterals if j is not None))
        + Sql(" WHERE ")
        + source.where
        + Sql(f" GROUP BY {grouped}")
    )


def _raw_groups(report: Report, source: Source, branch: GroupingSet) -> str:
    """The scan summed to ``branch``: a dimension it leaves out that holds several values per
    customer counts only the customer's first row."""
    n = len(report.dimensions)
    columns = ", ".join(f"r{i}::text AS r{i}" if i in branch else f"NULL::text AS r{i}" for i in range(n))
    once = [f"f{i}" for i, p in enumerate(source.parts) if p.first is not None and i not in branch]
    where = f" WHERE {' AND '.join(once)}" if once else ""
    grouped = ", ".join(f"r{i}" for i in branch)
    return (
        f"SELECT {_number(branch)} AS b, {columns}, sum(n) AS n, sum(amount) AS amount, sum(weight) AS weight "
        f"FROM scan{where}" + (f" GROUP BY {grouped}" if grouped else "")
    )


def _number(branch: GroupingSet) -> int:
    return sum(1 << i for i in branch)


def _key(source: Source, i: int) -> str:
    """The group a raw value falls in: its id, or its folded text after the synonyms."""
    if source.parts[i].by_id is not None:
        return f"raw.r{i}"
    folded = f"crm_fold(raw.r{i})"
    return f"nullif(coalesce((SELECT s.target FROM syn s WHERE s.k = {folded} ORDER BY s.o LIMIT 1), {folded}), '')"


def _cells(report: Report, branch: GroupingSet, sets: list[GroupingSet]) -> str:
    n = len(report.dimensions)
    used = sorted({i for s in sets for i in s})
    keys = [f"k{i}" if i in used else "NULL::text" for i in range(n)]
    flags = [f"GROUPING(k{i})" if i in used else "1" for i in range(n)]
    grouping = ", ".join("(" + ", ".join(f"k{i}" for i in s) + ")" for s in sets)
    return (
        "SELECT 'cell' AS part, "
        + ", ".join(f"{f} AS g{i}" for i, f in enumerate(flags))
        + ", "
        + ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
        + f", NULL::int AS dim, NULL::text AS raw, coalesce(sum(n), 0)::bigint AS n, {_value(report.total.kind)} AS value, "
        + f"NULL::text AS label FROM keyed WHERE b = {_number(branch)} GROUP BY GROUPING SETS ({grouping})"
    )


def _raws(report: Report, source: Source, i: int, tenant: object) -> Sql:
    """The raw values of dimension ``i`` in each of its groups, and each group's label: a
    synonym's target, else its most frequent raw value (for ids: the name)."""
    n = len(report.dimensions)
    by_id = source.parts[i].by_id
    if by_id is not None:
        label = Sql(f"(SELECT t.name FROM {by_id} t WHERE t.id = x.key::uuid AND t.tenant_id = %s)", tenant)
    else:
        label = Sql(
            "coalesce((SELECT s.label FROM syn s WHERE s.target = x.key ORDER BY s.o LIMIT 1), "
            "first_value(x.raw) OVER (PARTITION BY x.key ORDER BY x.n DESC, x.raw))"
        )
    flags = ", ".join(f"1 AS g{j}" for j in range(n))
    keys = ", ".join(("x.key" if j == i else "NULL::text") + f" AS k{j}" for j in range(n))
    return (
        Sql(f"SELECT 'raw' AS part, {flags}, {keys}, {i} AS dim, x.raw, x.n, NULL::numeric AS value, ")
        + label
        + Sql(
            f" AS label FROM (SELECT k{i} AS key, r{i} AS raw, sum(n)::bigint AS n FROM keyed "
            f"WHERE b = {_number(_branch_of(report, (i,)))} GROUP BY k{i}, r{i}) x"
        )
    )


def report_statement(report: Report, source: Source, tenant: object) -> Sql:
    """Columns: part ('cell' or 'raw'), g0.. (1 where the dimension is rolled up), k0.. (the
    groups), dim, raw, n (customers), value (the total), label. A 'raw' row is one raw value of
    dimension ``dim`` in its group ``k{dim}``, with the group's label."""
    n = len(report.dimensions)
    sets = grouping_sets(report)
    branches: dict[GroupingSet, list[GroupingSet]] = {}
    for s in sets:
        branches.setdefault(_branch_of(report, s), []).append(s)
    for i in range(n):
        branches.setdefault(_branch_of(report, (i,)), [])
    sources = [f for f, _ in report.synonyms]
    targets = [t for _, t in report.synonyms]
    keyed = ", ".join(f"{_key(source, i)} AS k{i}" for i in range(n))
    statement = (
        Sql(
            "WITH syn AS (SELECT crm_fold(s.f) AS k, crm_fold(s.t) AS target, s.t AS label, s.o "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY s(f, t, o)), scan AS MATERIALIZED (",
            sources,
            targets,
        )
        + _scan(report, source)
        + Sql("), raw AS (" + " UNION ALL ".join(_raw_groups(report, source, b) for b in branches))
        + Sql(f"), keyed AS MATERIALIZED (SELECT raw.*, {keyed} FROM raw) ")
        + join(" UNION ALL ", [Sql(_cells(report, b, s)) for b, s in branches.items() if s])
        + Sql(" UNION ALL ")
        + join(" UNION ALL ", [_raws(report, source, i, tenant).wrap("(", ")") for i in range(n)])
    )
    return statement
