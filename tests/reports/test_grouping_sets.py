"""Which totals a report shows, and which raw grouping each rolls up from (pure)."""

from __future__ import annotations

from resolvers.reports.definition import Dimension, DimensionKind, Report, Total
from resolvers.reports.query import _branch_of, grouping_sets

STATUS = Dimension(DimensionKind.STATUS)
CHANNEL = Dimension(DimensionKind.ORIGIN_CHANNEL)
TAG = Dimension(DimensionKind.TAG)


def test_sets_of_one_two_and_subdivided_reports():
    assert grouping_sets(Report((STATUS,), False, Total())) == [(0,), ()]
    assert grouping_sets(Report((STATUS, CHANNEL), False, Total())) == [(0, 1), (0,), ()]
    assert grouping_sets(Report((STATUS, CHANNEL), True, Total())) == [(0, 1), (0,), (1,), ()]


def test_single_valued_dimensions_roll_up_from_one_grouping():
    report = Report((STATUS, CHANNEL), True, Total())
    assert {_branch_of(report, s) for s in grouping_sets(report)} == {(0, 1)}


def test_totals_that_hide_a_many_valued_dimension_leave_it_out_of_their_grouping():
    # A customer with two tags must count once in its status's total: that total is grouped
    # without the tags at all.
    report = Report((STATUS, TAG), True, Total())
    assert [_branch_of(report, s) for s in grouping_sets(report)] == [(0, 1), (0,), (0, 1), (0,)]
