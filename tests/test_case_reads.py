"""Reading the ledger costs the same statements for a long page as for a short one."""

import re
from collections import Counter
from datetime import datetime, timedelta

from server.clock import OFFICE_TIMEZONE
from server.demo_activity import load_demo_activity
from server.models import Dispatch, DispatchState
from tests.conftest import counting_statements

LEDGER_PAGE = """
query($first: Int) {
  cases(first: $first) {
    totalCount
    edges { node {
      id state kind openActions
      institution { registeredName village { name district { name } } }
      village { name }
      reportedBy { name }
      notices { number deadline corrects { number } }
      penalties { decisionNumber amount }
      register { studentsAffected feesOwed }
      dispatches { state overdue unit { name } }
      timeline { action actor }
      evidence { originalName }
    } }
  }
}
"""


async def test_a_hundred_cases_cost_one_statement_per_level(db, settings, graphql):
    await load_demo_activity(settings)

    with counting_statements() as five:
        small = await graphql.data(LEDGER_PAGE, first=5)
    with counting_statements() as hundred:
        large = await graphql.data(LEDGER_PAGE, first=100)

    edges = large["cases"]["edges"]
    assert len(small["cases"]["edges"]) == 5 and len(edges) == 100
    assert any(edge["node"]["dispatches"] for edge in edges)
    # Each table is read once per page, however many rows it has; a short
    # page may skip a table none of its rows needs.
    assert set(tables(five)) <= set(tables(hundred))
    assert Counter(tables(hundred)) == Counter(set(tables(hundred))) + Counter(
        {"case_record": 1}  # the page, and its total count
    )


def tables(counter) -> list[str]:
    return [
        re.search(r'FROM "(\w+)"', statement)[1] for statement in counter.statements
    ]


async def test_the_ledger_and_start_pages_read_a_fixed_number_of_statements(
    db, settings, staff
):
    await load_demo_activity(settings)
    # Every dispatch overdue, so the desk has rows to list.
    past = datetime.now(OFFICE_TIMEZONE) - timedelta(days=1)
    await Dispatch.all().update(state=DispatchState.SENT, due_at=past)

    with counting_statements() as ledger_reads:
        ledger = await staff.get("/staff/cases")
    with counting_statements() as desk_reads:
        desk = await staff.get("/staff/")

    # Twenty cases on the ledger and every overdue one on the desk, each row
    # with its institution and village, read in a handful of statements.
    assert ledger.text.count('<th scope="row"><a href="/staff/cases/') == 20
    assert desk.text.count('href="/staff/cases/') >= 15
    assert len(ledger_reads.statements) <= 8
    assert len(desk_reads.statements) <= 14
