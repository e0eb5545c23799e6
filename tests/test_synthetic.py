"""The made-up subdistricts that benchmarks and trials run on."""

from server import reports
from server.clock import today
from server.models import Notice, Subdistrict
from server.permissions import COMMAND_LINE
from server.reports import Calendar, month_before
from server.synthetic import add_subdistricts, row_counts


async def test_each_subdistrict_holds_a_year_of_a_dongjia_sized_office(db):
    added = await add_subdistricts(2)

    counts = await row_counts()
    assert added == 2
    assert await Subdistrict.all().count() == 2
    assert counts["institution"] == 200
    assert counts["case_record"] == 400
    # About two dozen inspections a year of each of the 45 licensed ones.
    assert 1800 < counts["inspection"] < 2400
    assert counts["complaint"] == 120


async def test_growing_adds_only_the_subdistricts_missing(db):
    assert await add_subdistricts(2) == 2
    assert await add_subdistricts(3) == 1
    assert await add_subdistricts(3) == 0

    counts = await row_counts()
    assert (counts["subdistrict"], counts["institution"], counts["case_record"]) == (
        3,
        300,
        600,
    )


async def test_notice_numbers_go_on_from_the_years_counter_without_a_clash(db):
    await add_subdistricts(1)
    await add_subdistricts(3)

    numbers = await Notice.all().values_list("number", flat=True)
    assert len(numbers) == len(set(numbers)) > 0


async def test_the_report_counts_the_made_up_month(db):
    await add_subdistricts(2)
    end = today()
    month = Calendar().month(*month_before(end.year, end.month))

    report = await reports.monthly_report(COMMAND_LINE, month)

    # Two dozen inspections a year of 90 licensed institutions: about 180 a month.
    assert 120 < report.figure("inspections").value < 240
