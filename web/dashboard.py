"""The dashboard of the leadership group and the office (领导小组看板).

The page draws each of the domain's figures (`server.dashboard`) as a chart
and follows it with the same figures as a table, whose cells link to the
records behind them: the roster filtered by card or list, the ledger
filtered by state and report date, a village's or an institution's page.
"""

from datetime import date, timedelta

from babel.dates import format_date, format_skeleton
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from server import dashboard, i18n
from server.dashboard import CASE_STATES, LISTS, Dashboard, next_month
from server.i18n import _
from server.models import Card, ListName
from web.charts import Bar, Series, bar_chart, line_chart, stacked_column_chart
from web.forms import actor
from web.labels import label
from web.templating import BABEL_LOCALES, render

CARD_TONES = {Card.GREEN: "green", Card.YELLOW: "yellow", Card.RED: "red"}


async def dashboard_page(request: Request) -> Response:
    figures = await dashboard.dashboard(actor(request))
    months = [month.month for month in figures.cases]
    return render(
        request,
        "staff/dashboard.html",
        {
            "figures": figures,
            "charts": charts(figures),
            "month_names": {month: month_name(month, figures.on) for month in months},
            "month_ends": {month: last_day(month) for month in months},
            "card_tones": CARD_TONES,
            "case_states": CASE_STATES,
            "lists": LISTS,
        },
    )


def charts(figures: Dashboard) -> dict[str, Markup]:
    """Every chart of the page, by the id the page gives its section."""
    return {
        "cards": cards_chart(figures),
        "lists": lists_chart(figures),
        "cases": cases_chart(figures),
        "patrols": patrols_chart(figures),
        "inspections": inspections_chart(figures),
    }


def cards_chart(figures: Dashboard) -> Markup:
    tally = figures.cards
    bars = [
        Bar(label(card), tally.by_card[card], CARD_TONES[card]) for card in CARD_TONES
    ]
    bars.append(Bar(_("Awaiting assessment"), tally.awaiting, "none"))
    description = _(
        "{total} licensed institutions still operating: {green} with a green card, "
        "{yellow} yellow, {red} red, {awaiting} awaiting assessment."
    ).format(
        total=tally.total,
        green=tally.by_card[Card.GREEN],
        yellow=tally.by_card[Card.YELLOW],
        red=tally.by_card[Card.RED],
        awaiting=tally.awaiting,
    )
    return bar_chart("cards-chart", _("Cards held now"), description, bars)


def lists_chart(figures: Dashboard) -> Markup:
    months = figures.lists
    series = [
        Series(label(name), name.value.lower(), tuple(m.counts[name] for m in months))
        for name in LISTS
    ]
    now = months[-1].counts
    description = _(
        "Institutions on each list at the end of each of the last {months} months. "
        "Now: {white} on the white list, {key} under key supervision, "
        "{black} on the blacklist."
    ).format(
        months=len(months),
        white=now[ListName.WHITE],
        key=now[ListName.KEY],
        black=now[ListName.BLACK],
    )
    columns = column_labels([m.month for m in months])
    return line_chart(
        "lists-chart", _("The lists month by month"), description, columns, series
    )


def cases_chart(figures: Dashboard) -> Markup:
    months = figures.cases
    series = [
        Series(
            label(state), state.value.lower(), tuple(m.by_state[state] for m in months)
        )
        for state in CASE_STATES
        if any(m.by_state[state] for m in months)
    ]
    description = _(
        "{total} cases reported over the last {months} months, {latest} of them "
        "this month; each month's column is divided by the state its cases are "
        "in now."
    ).format(
        total=sum(m.total for m in months), months=len(months), latest=months[-1].total
    )
    columns = column_labels([m.month for m in months])
    return stacked_column_chart(
        "cases-chart", _("Cases reported each month"), description, columns, series
    )


def patrols_chart(figures: Dashboard) -> Markup:
    coverage = figures.patrols
    bars = [Bar(v.name, v.patrols, "patrolled") for v in coverage.villages]
    description = _(
        "{patrolled} of {villages} villages patrolled since {date}; "
        "{unpatrolled} not yet."
    ).format(
        patrolled=len(coverage.villages) - len(coverage.unpatrolled),
        villages=len(coverage.villages),
        date=long_date(coverage.month),
        unpatrolled=len(coverage.unpatrolled),
    )
    return bar_chart(
        "patrols-chart", _("Patrols this month by village"), description, bars
    )


def inspections_chart(figures: Dashboard) -> Markup:
    coverage = figures.inspections
    bars = [Bar(i.name, i.inspections, "inspected") for i in coverage.institutions]
    description = _(
        "{inspected} of {institutions} licensed institutions inspected since {date}; "
        "{missed} not yet."
    ).format(
        inspected=len(coverage.institutions) - len(coverage.not_inspected),
        institutions=len(coverage.institutions),
        date=long_date(coverage.month),
        missed=len(coverage.not_inspected),
    )
    return bar_chart(
        "inspections-chart",
        _("Inspections this month by institution"),
        description,
        bars,
    )


# --- months in the reader's language ------------------------------------------


def month_name(month: date, on: date) -> str:
    """A month as a table names it; the current one marked as counted so far."""
    name = format_skeleton("yMMM", month, locale=_locale())
    if month == on.replace(day=1):
        return _("{month} (so far)").format(month=name)
    return name


def column_labels(months: list[date]) -> list[str]:
    """Short names under a chart's columns, with the year under the first
    column and under each January."""
    labels = []
    for index, month in enumerate(months):
        short = format_skeleton("MMM", month, locale=_locale())
        if index == 0 or month.month == 1:
            short += "\n" + format_skeleton("y", month, locale=_locale())
        labels.append(short)
    return labels


def last_day(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def long_date(day: date) -> str:
    return format_date(day, format="long", locale=_locale())


def _locale() -> str:
    return BABEL_LOCALES[i18n.current_language()]
