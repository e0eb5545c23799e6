"""The office's calendar: dates are those of Jinan, wherever the server runs."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

OFFICE_TIMEZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(OFFICE_TIMEZONE).date()
