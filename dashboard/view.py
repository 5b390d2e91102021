"""What a page shows, kept in the URL's query string so a view can be bookmarked and shared.

The query string holds filter choices (dates, payer ids, provider NPIs, locations, codes,
modifiers) and a drill-down (an outcome, a month, a denial reason): never a patient, a member or a
claim number. Values that do not parse are dropped, so a mangled link still opens.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from ..queries.documentation_gaps import SET_NAMES as GAP_SETS
from ..queries.explore import Drill
from ..queries.metrics import Filters, Settings, outcomes

CODE = re.compile(r"^[A-Z0-9]{4,6}$")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
# The line sets a drill-down may name (metrics.outcomes, documentation_gaps.outcomes).
OUTCOMES = frozenset(outcomes(Settings())) | GAP_SETS
# Query-string names of the drill-down parts that differ from the field names.
DRILL_KEYS = {"outcome": "set", "variance_from": "vfrom", "variance_to": "vto"}
WORD = re.compile(r"^[A-Za-z0-9_.:>\- ]{1,80}$")
# Payer ids, NPIs and location names as the data has them: any printable text.
NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")


@dataclass(frozen=True)
class View:
    """Filter choices and drill-down of one page view. Dates left empty mean the latest months
    of data (see `resolved`)."""

    filters: Filters
    drill: Drill = field(default_factory=Drill)
    as_of: dt.date | None = None
    # The codes the app shows when the address names none (the configured ones, given by the
    # app): left out of the address.
    default_codes: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def query(self, **drill_parts) -> str:
        """The query string of this view, with the drill-down replaced by drill_parts when given
        (an empty call keeps the current drill-down)."""
        f = self.filters
        drill = Drill(**drill_parts) if drill_parts else self.drill
        pairs: list[tuple[str, str]] = []
        if f.start:
            pairs.append(("from", f.start.isoformat()))
        if f.end:
            pairs.append(("to", f.end.isoformat()))
        if f.basis != "service":
            pairs.append(("basis", f.basis))
        codes = () if f.codes == self.default_codes else f.codes
        for key, values in (("code", codes), ("payer", f.payers), ("provider", f.providers),
                            ("location", f.locations), ("modifier", f.modifiers)):  # fmt: skip
            pairs += [(key, v) for v in values]
        if self.as_of:
            pairs.append(("asof", self.as_of.isoformat()))
        for key, value in drill.as_dict().items():
            if isinstance(value, dt.date):
                value = value.strftime("%Y-%m")
            pairs.append((DRILL_KEYS.get(key, key), str(value)))
        return "?" + urlencode(pairs) if pairs else ""

    def with_filters(self, **changes) -> View:
        return replace(self, filters=replace(self.filters, **changes))

    def undrilled(self) -> View:
        return replace(self, drill=Drill())


def parse(search: str | None, default_codes: tuple[str, ...]) -> View:
    """The view a query string describes; anything unreadable is left out. `default_codes`, the
    configured target codes, apply when the address names none."""
    args = parse_qs((search or "").lstrip("?"), keep_blank_values=False)

    def many(key: str, pattern: re.Pattern) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for v in args.get(key, []) if pattern.match(v)))

    def one(key: str, pattern: re.Pattern = WORD) -> str | None:
        values = [v for v in args.get(key, []) if pattern.match(v)]
        return values[0] if values else None

    basis = one("basis")
    start, end = day(one("from")), day(one("to"))
    if start and end and start > end:  # a range typed backwards means the same range
        start, end = end, start
    filters = Filters(
        codes=many("code", CODE) or default_codes,
        start=start,
        end=end,
        basis=basis if basis in ("service", "payment") else "service",
        payers=many("payer", NAME),
        providers=many("provider", NAME),
        locations=many("location", NAME),
        modifiers=many("modifier", MODIFIER),
    )
    month = one("month")
    outcome = one("set")
    drill = Drill(
        outcome=outcome if outcome in OUTCOMES else None,
        month=day(f"{month}-01") if month else None,
        category=one("category"),
        carc=one("carc"),
        group=one("group"),
        rarc=one("rarc"),
        rule=one("rule"),
        variance_from=number(one("vfrom")),
        variance_to=number(one("vto")),
    )
    return View(filters=filters, drill=drill, as_of=day(one("asof")),
                default_codes=default_codes)


def day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def number(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def month_end(date: dt.date) -> dt.date:
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def add_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + date.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def default_months(first_service_date: dt.date, last_service_date: dt.date) -> int:
    """How many months an undated view covers: twelve when the data holds two years or more,
    else half of what it holds (at least one), so that the period before has data to compare."""
    held = (last_service_date.year - first_service_date.year) * 12 \
        + last_service_date.month - first_service_date.month + 1  # fmt: skip
    return 12 if held >= 24 else max(1, held // 2)


def resolved(filters: Filters, first_service_date: dt.date | None,
             last_service_date: dt.date | None) -> Filters:  # fmt: skip
    """Filters with a date range: empty dates mean the latest whole months of data up to the
    latest service month (default_months of them)."""
    if filters.start and filters.end or last_service_date is None:
        return filters
    months = default_months(first_service_date or last_service_date, last_service_date)
    end = filters.end or month_end(last_service_date)
    start = filters.start or add_months(end.replace(day=1), 1 - months)
    return replace(filters, start=start, end=end)


def previous_period(filters: Filters) -> Filters | None:
    """The period of the same length just before: whole months when the range is whole months,
    else the same number of days."""
    if not (filters.start and filters.end) or filters.end < filters.start:
        return None
    if filters.start.day == 1 and filters.end == month_end(filters.end):
        months = (filters.end.year - filters.start.year) * 12 + filters.end.month \
            - filters.start.month + 1  # fmt: skip
        start = add_months(filters.start, -months)
        return replace(filters, start=start, end=filters.start - dt.timedelta(days=1))
    days = (filters.end - filters.start).days + 1
    return replace(filters, start=filters.start - dt.timedelta(days=days),
                   end=filters.start - dt.timedelta(days=1))  # fmt: skip
