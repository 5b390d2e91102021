"""The dashboard's only door to the data: a read-only snapshot of the database, the selections
and figures of queries/, and small caches keyed by the snapshot's version (a load makes a new
version, so nothing stale is ever served).

In three parts besides the reads here: access checks (checks.py: @reads(area) on every read),
caching (caching.py) and masking of identities on the way out (masking.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl

from ..access.roles import Viewer
from ..access.store import (
    ACCESS_LOG_COLUMNS,
    ACCESS_USER_COLUMNS,
    AccessError,
    AccessStore,
)
from ..queries import documentation_gaps, explore, metrics, rules, sampling
from ..queries.sql import sql
from ..settings_schema import Metrics
from ..settings_schema import Settings as SettingsFile
from . import grid
from .batch_check import BatchChecks
from .caching import Cache
from .checks import Checked, reads
from .grid import GridQuery
from .masking import Masking
from .snapshot import DatabaseSnapshot
from .view import View, previous_period, resolved

# Up to this many lines, every line's figure and grid columns are held in memory (about 300 MB
# a million lines); above it, each filter change reads its lines from DuckDB.
IN_MEMORY_LINES = 3_000_000
# Grid pages ending above this row are sorted with Polars' top-k; deeper ones use the grid's
# whole order, computed once per view.
NEAR_TOP = 2000
OPTION_LISTS = ("payers", "providers", "locations", "codes", "modifiers")


STALE = ("The database has no figures yet, or was built by an older version: run unlisted load "
         "on your files (files already loaded are skipped, the figures rebuilt).")


class NoData(Exception):
    """No database, or no marts yet: the page shows what to do instead of figures."""


class Data(Checked, Masking, BatchChecks):
    """What the pages and exports read. With `viewer` (who is asking, per request), every read
    checks that person's roles (unlisted/access/roles.py AREAS) and identities are replaced by
    pseudonyms for roles that do not see them; caches hold unmasked data shared by everyone,
    so masking happens on the way out, never on the way in."""

    def __init__(self, path: Path, settings: metrics.Settings,
                 codes: tuple[str, ...] | None = None, check_every: float = 2.0,
                 viewer: Callable[[], Viewer | None] | None = None,
                 pseudonym_key: bytes | None = None,
                 access: AccessStore | None = None, maturity_days: int = 90,
                 config: dict | None = None) -> None:  # fmt: skip
        if viewer is not None and not pseudonym_key:
            raise ValueError("masking identities needs the access store's pseudonym key")
        self.viewer = viewer
        self.access = access
        self.pseudonym_key = pseudonym_key
        self.snapshot = DatabaseSnapshot(Path(path), check_every=check_every)
        self.settings = settings
        # The whole settings, for the check of an uploaded batch (its rules, prices, limits).
        self.config = config if config is not None else SettingsFile().model_dump(exclude_none=True)
        # The target codes: the configured ones ([metrics] codes), else the declared default.
        self.codes = tuple(codes or Metrics().codes)
        # The Overview compares settlement figures only for periods at least this old.
        self.maturity_days = maturity_days
        self.everything = Cache(1)
        self.selections = Cache(6)
        self.details = Cache(3)
        self.results = Cache(64)
        self.grid_counts = Cache(64)
        self.pages = Cache(48)
        self.helpers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="unlisted-data")
        self.grid_orders = Cache(8)

    # -- reading -----------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self.snapshot.cursor()
        if cursor is None:
            raise NoData(self.snapshot.problem or "No database yet: load files with unlisted load.")
        return cursor

    def rows(self, model: str, **params) -> pl.DataFrame:
        """A queries/<model>.sql result as a frame."""
        with self.cursor() as cursor:
            try:
                table = cursor.sql(sql(model), params=params or None).to_arrow_table()
            except duckdb.CatalogException:
                raise NoData(STALE) from None
        return pl.from_arrow(table)

    def cached(self, key, make: Callable):
        return self.results.get((self.snapshot.current_version(), *key), make)

    # -- what the pages ask --------------------------------------------------------------------
    @reads("filters")
    def options(self) -> dict[str, list[dict]]:
        """Choices of the filter bar: payers, providers, locations, codes, modifiers."""
        def make():
            return {name: self.rows(f"options/{name}").to_dicts() for name in OPTION_LISTS}
        return self.cached(("options",), make)

    @reads("filters")
    def date_bounds(self) -> dict:
        return self.cached(("dates",), lambda: self.rows("options/service_dates").to_dicts()[0])

    def settings_for(self, view: View) -> metrics.Settings:
        return replace(self.settings, as_of=view.as_of or self.settings.as_of or dt.date.today())

    def effective(self, view: View) -> View:
        """The view with its date range filled in (the latest months by default)."""
        bounds = self.date_bounds()
        return replace(view, filters=resolved(view.filters, bounds["first_date"],
                                              bounds["last_date"]))  # fmt: skip

    @reads("lines")
    def lines(self, filters: metrics.Filters, detail: bool = False,
              version: int | None = None) -> pl.DataFrame:  # fmt: skip
        """Every selected line, held for the next requests: the columns the figures use, or
        with `detail` also those people see (for the grid and the exports)."""
        return self.selection(filters, detail, version)

    def selection(self, filters: metrics.Filters, detail: bool = False,
                  version: int | None = None) -> pl.DataFrame:  # fmt: skip
        """lines() without the check, for work done on helper threads (no request there)."""
        wanted = explore.DETAIL_COLUMNS if detail else metrics.METRIC_COLUMNS

        def make() -> pl.DataFrame:
            every = self.every_line()
            if every is not None:
                # Lazily, so that only the wanted columns are copied.
                columns = wanted + tuple(c for c in explore.OPTIONAL_COLUMNS
                                         if c in every.columns and c not in wanted)  # fmt: skip
                return every.lazy().filter(metrics.in_scope(filters)).select(columns).collect()
            with self.cursor() as cursor:
                try:
                    columns = documentation_gaps.columns_at_hand(cursor, wanted)
                    return metrics.selected_lines(cursor, filters, columns).collect()
                except duckdb.CatalogException:
                    raise NoData(STALE) from None
        cache = self.details if detail else self.selections
        if version is None:
            version = self.snapshot.current_version()
        return cache.get((version, filters), make)

    def warm_up(self) -> None:
        """Read every line in the background, so that the first visitor does not wait."""
        def read() -> None:
            try:
                self.every_line()
            except NoData:
                pass
        self.helpers.submit(read)

    def every_line(self) -> pl.DataFrame | None:
        """Every line of the database with the columns of the figures and of the grid, held in
        memory while the data stays the same, when there are at most IN_MEMORY_LINES of them: a
        filter change is then a Polars filter, not a DuckDB read. None when there are more."""
        def make() -> pl.DataFrame | None:
            with self.cursor() as cursor:
                try:
                    count = cursor.sql(sql("selection/line_count")).fetchall()[0][0]
                    if count > IN_MEMORY_LINES:
                        return None
                    relation = cursor.sql(sql("selection/every_line"))
                    wanted = (*explore.DETAIL_COLUMNS, *metrics.SCOPE_COLUMNS)
                    newer = [c for c in explore.OPTIONAL_COLUMNS
                             if c in relation.columns and c not in wanted]  # fmt: skip
                    return pl.from_arrow(relation.select(*wanted, *newer).to_arrow_table())
                except duckdb.CatalogException:
                    raise NoData(STALE) from None
        return self.everything.get(self.snapshot.current_version(), make)

    def details_of(self, ids: list[int]) -> pl.LazyFrame:
        with self.cursor() as cursor:
            return explore.line_details(cursor, ids).lazy()

    @reads("lines")
    def figures(self, view: View, by: str | tuple[str, str] | None = None,
                only: tuple[str, ...] | None = None) -> pl.DataFrame:  # fmt: skip
        """The figures of queries/metrics.py for the view (only the named ones when given)."""
        return self.figures_of(view, by, only)

    def figures_of(self, view: View, by: str | tuple[str, str] | None = None,
                   only: tuple[str, ...] | None = None) -> pl.DataFrame:  # fmt: skip
        settings = self.settings_for(view)
        return self.cached(
            ("figures", view.filters, settings.as_of, by, only),
            lambda: metrics.summarize(self.selection(view.filters).lazy(), settings, by,
                                      only).collect(),  # fmt: skip
        )

    def previous_figures(self, view: View,
                         only: tuple[str, ...] | None = None) -> pl.DataFrame | None:  # fmt: skip
        before = previous_period(view.filters)
        return None if before is None else self.figures_of(replace(view, filters=before),
                                                           only=only)  # fmt: skip

    @reads("lines")
    def with_previous(self, view: View, only: tuple[str, ...] | None = None,
                      ) -> tuple[pl.DataFrame, pl.DataFrame | None]:  # fmt: skip
        """The view's figures and the previous period's (only the named ones when given), the
        two selections read side by side (DuckDB and Polars release the interpreter while they
        work)."""
        earlier = self.helpers.submit(self.previous_figures, view, only)
        return self.figures_of(view, only=only), earlier.result()

    @reads("lines")
    def reasons(self, view: View, level: str) -> pl.DataFrame:
        return self.cached(("reasons", view.filters, level), lambda: metrics.reasons(
            self.lines(view.filters).lazy(), level).collect())  # fmt: skip

    @reads("lines")
    def variance_bins(self, view: View) -> pl.DataFrame:
        return self.cached(("variance", view.filters), lambda: metrics.variance_bins(
            self.lines(view.filters).lazy(), self.settings_for(view)))  # fmt: skip

    @reads("lines")
    def grid_page(self, view: View, start: int, end: int,
                  query: GridQuery) -> tuple[list[dict], int]:  # fmt: skip
        """Rows start..end of the Claims grid and its row count. The count and, once a page
        lies deep, the grid's whole order are kept for the next pages of the same view."""
        # One data version for the lines and the keys: a load in between must not pair the kept
        # order of one version with the lines of another.
        version = self.snapshot.current_version()
        lines = self.private(self.lines(view.filters, detail=True, version=version))
        settings = self.settings_for(view)
        shown = explore.for_people(self.narrowed(view, lines.lazy().with_row_index("_row")))
        rows = grid.rows(shown, query)
        key = (version, view.filters, view.drill, settings.as_of, query)
        total = self.grid_counts.get(key, lambda: explore.grid_count(rows))
        if end <= NEAR_TOP:
            return explore.first_rows(rows, start, end), total
        order = self.grid_orders.get(key, lambda: explore.grid_order(rows))
        return explore.rows_at(lines, order, start, end), total

    @reads("lines")
    def drilled(self, view: View) -> pl.LazyFrame:
        """The shown columns of the lines behind the view's drill-down."""
        return self.private(explore.for_people(
            self.narrowed(view, self.lines(view.filters, detail=True).lazy())))

    def narrowed(self, view: View, lines: pl.LazyFrame) -> pl.LazyFrame:
        """The lines behind the view's drill-down, among `lines`."""
        if view.drill.rule is not None:
            flagged = self.findings(view).filter(pl.col("rule") == view.drill.rule)
            lines = lines.filter(pl.col("claim_line_id").is_in(flagged["claim_line_id"].implode()))
        return explore.drilled(lines, view.drill, self.settings_for(view))

    def findings(self, view: View) -> pl.DataFrame:
        """The rule findings on the view's lines, riskiest claims first (queries/rules.py)."""
        return self.from_rules(("findings", view.filters),
                               lambda cursor: rules.findings(cursor, view.filters))

    def fact_gaps(self) -> pl.DataFrame:
        """The facts the rules lacked (queries/rules.py fact_gaps)."""
        return self.from_rules(("fact_gaps",), rules.fact_gaps)

    def worklist_claims(self) -> int:
        """How many claims the worklist shows ([ranking] worklist_claims of the rules file)."""
        return self.from_rules(("worklist_claims",), rules.worklist_claims)

    @reads("findings")
    def from_rules(self, key: tuple, read: Callable):
        """What `read` makes of the rule marts, cached; NoData when they are not built yet."""
        def make():
            with self.cursor() as cursor:
                try:
                    return read(cursor)
                except duckdb.CatalogException:
                    raise NoData(STALE) from None
        return self.cached(key, make)

    def top(self, ordered: pl.LazyFrame, limit: int, sort: list[str],
            descending: list[bool]) -> pl.DataFrame:  # fmt: skip
        """The first `limit` lines of an ordered worklist, with what people see of them (read
        for those lines only)."""
        ids = ordered.head(limit).select("claim_line_id").collect()["claim_line_id"].to_list()
        shown = self.private(explore.for_people(self.details_of(ids)))
        return explore.json_ready(shown.sort(sort, descending=descending,
                                              nulls_last=False).collect())  # fmt: skip

    WEAKEST_ORDER = (["elements_present", "service_date", "claim_line_id"], [False, True, False])

    @reads("lines")
    def weakest_notes(self, view: View, limit: int = 200) -> pl.DataFrame:
        """Incomplete-note lines, fewest elements first (no note at all before anything)."""
        sort, descending = self.WEAKEST_ORDER
        lines = explore.drilled(self.lines(view.filters).lazy(),
                                explore.Drill(outcome="documentation_incomplete"),
                                self.settings_for(view))  # fmt: skip
        ordered = lines.sort(sort, descending=descending, nulls_last=False)
        return self.top(ordered, limit, sort, descending)

    @reads("lines")
    def appeal_worklist(self, view: View, limit: int | None = 200) -> pl.DataFrame:
        """Denied lines still appealable, soonest deadline first (metrics.appealable_denials);
        the first `limit` (None: all of them)."""
        settings = self.settings_for(view)
        worklist = metrics.appealable_denials(self.lines(view.filters).lazy(), settings)
        return (worklist if limit is None else worklist.head(limit)).collect()

    @reads("lines")
    def documentation_costs(self, view: View, by: str | None = None) -> pl.DataFrame:
        """What documentation gaps cost in the view: charges, denied and lost expected allowed on
        the lines lacking each element (queries/documentation_gaps.py), overall or by month or
        provider."""
        return self.cached(("gap costs", view.filters, by), lambda: documentation_gaps.costs(
            self.lines(view.filters).lazy(), by).collect())  # fmt: skip

    @reads("lines")
    def documentation_earnings(self, view: View) -> pl.DataFrame:
        """Net paid per adjudicated line, complete against incomplete notes."""
        settings = self.settings_for(view)
        return self.cached(("gap earnings", view.filters, settings.min_count),
                           lambda: documentation_gaps.earnings(
                               self.lines(view.filters).lazy(), settings).collect())  # fmt: skip

    def mature_through(self, view: View) -> dt.date:
        """The last mature date: lines dated after it are under maturity_days old at the view's
        as-of date, so payers may still be answering them."""
        return self.settings_for(view).as_of - dt.timedelta(days=self.maturity_days)

    @reads("lines")
    def underpaid_summary(self, view: View) -> tuple[int, float]:
        """How many lines are underpaid and by how much in all."""
        lines = metrics.underpaid(self.lines(view.filters).lazy(), self.settings_for(view))
        n, total = lines.select(pl.len(), pl.col("variance").sum()).collect().row(0)
        return n, -(float(total or 0))

    @reads("lines")
    def underpaid_top(self, view: View, limit: int = 500) -> pl.DataFrame:
        lines = metrics.underpaid(self.lines(view.filters).lazy(), self.settings_for(view))
        return self.top(lines, limit, ["variance", "claim_line_id"], [False, False])

    @reads("lines")
    def underpaid(self, view: View) -> pl.LazyFrame:
        """The whole worklist, with what people see (for exports)."""
        lines = self.lines(view.filters, detail=True).lazy()
        return explore.for_people(metrics.underpaid(lines, self.settings_for(view)))

    @reads("filters")
    def labels(self) -> dict[str, dict[str, str]]:
        """Short labels of CARCs, RARCs and denial categories."""
        def make():
            return {
                "carc": dict(self.rows("reference/carc_labels").iter_rows()),
                "rarc": dict(self.rows("reference/rarc_labels").iter_rows()),
                "category": dict(self.rows("reference/category_labels").iter_rows()),
            }
        return self.cached(("labels",), make)

    @reads("lines")
    def claim(self, claim_id: int) -> dict[str, pl.DataFrame]:
        parts = {part: self.rows(f"claim/{part}", claim_id=claim_id)
                 for part in ("versions", "lines", "events", "notes", "findings")}  # fmt: skip
        # Each element and the narrative in words, as the grid and the other exports say them.
        lines = parts["lines"]
        parts["lines"] = lines.with_columns(**{
            name: pl.when(pl.col("adjudicated").is_not_null()).then(status)
            for name, status in explore.element_statuses(lines.schema).items()})
        return self.shown(parts, parts["versions"]["claim_id"].to_list())

    @reads("sampling")
    def frame(self, view: View) -> sampling.Frame:
        """The sampling frame of the view's filters."""
        def make() -> sampling.Frame:
            with self.cursor() as cursor:
                return sampling.frame(cursor, view.filters)
        return self.cached(("frame", view.filters), make)

    @reads("sampling")
    def samples(self) -> pl.DataFrame:
        """Every audit sample drawn (none in a database from before samples existed)."""
        return self.cached(("samples",), lambda: self.rows("audit/samples"))

    @reads("sampling")
    def sample(self, sample_id: int) -> dict | None:
        """One sample: its record, lines with review results, frame check and appraisal (or
        why there is none yet)."""
        with self.cursor() as cursor:
            record = sampling.sample_record(cursor, sample_id)
            if record is None:
                return None
            found = {"record": record, "lines": sampling.sample_lines(cursor, sample_id),
                     "frame": sampling.frame_check(cursor, record)}  # fmt: skip
            try:
                found["appraisal"] = sampling.appraise(cursor, sample_id)
            except sampling.SamplingError as exc:
                found["appraisal"] = str(exc)
        return found

    @reads("files")
    def files(self) -> dict[str, pl.DataFrame]:
        return self.cached(("files",), lambda: {
            part: self.rows(f"files/{part}")
            for part in ("batches", "warnings", "rejects", "reconciliation")})

    # -- who signed in and what they did (the access store) --------------------------------------
    @reads("access")
    def users(self) -> pl.DataFrame:
        return pl.DataFrame(self.access.users() if self.access else [],
                            schema=ACCESS_USER_COLUMNS)  # fmt: skip

    @reads("access")
    def access_log(self, limit: int = 100_000) -> pl.DataFrame:
        """The access log, newest first."""
        return pl.DataFrame(self.access.log_rows(limit=limit) if self.access else [],
                            schema=ACCESS_LOG_COLUMNS)  # fmt: skip

    @reads("access")
    def access_log_broken_at(self) -> int | None:
        return self.access.broken_link() if self.access else None

    # -- changes an administrator makes (the only writes the app does: to the access store) ------
    @reads("access")
    def administrator(self) -> Viewer:
        return self.viewer()

    def add_user(self, name: str, roles: list[str], organisation_only: bool) -> str | None:
        """A new user; returns the first password (made here, shown once) unless the user
        signs in through the organisation only."""
        admin = self.administrator()
        password = None if organisation_only else secrets.token_urlsafe(12)
        self.access.add_user(name, roles, password, actor=admin.name)
        return password

    def set_roles(self, name: str, roles: list[str]) -> tuple[str, ...]:
        admin = self.administrator()
        if name.lower() == admin.name.lower() and "admin" not in roles:
            raise AccessError("you cannot take the admin role from yourself here (unlisted "
                              "user role on the server can)")
        return self.access.set_roles(name, roles, actor=admin.name)

    def new_password(self, name: str) -> str:
        """A fresh password for the user (their sessions end), to give them once."""
        admin = self.administrator()
        password = secrets.token_urlsafe(12)
        self.access.set_password(name, password, actor=admin.name)
        return password

    def remove_user(self, name: str) -> None:
        admin = self.administrator()
        if name.lower() == admin.name.lower():
            raise AccessError("you cannot remove yourself here (unlisted user remove on the "
                              "server can)")
        self.access.remove_user(name, actor=admin.name)

    # -- comparator pricing (queries/pricing.py) -------------------------------------------------
    def pricing_settings(self) -> dict:
        """The [pricing] table of the settings the app was given: history_months, min_lines."""
        return self.config["pricing"]

    @reads("lines")
    def comparator_prices(self, view: View) -> pl.DataFrame:
        """The price to expect from each payer for the view's codes at the view's as-of date
        (queries/pricing.py comparator_prices); only the view's payers when it names some."""
        from ..queries import pricing

        chosen = self.pricing_settings()
        return self.from_pricing(view, "prices", lambda cursor, as_of: pricing.comparator_prices(
            cursor, list(view.filters.codes), as_of, chosen["history_months"],
            chosen["min_lines"]))  # fmt: skip

    @reads("lines")
    def allowed_per_unit_by_month(self, view: View) -> pl.DataFrame:
        """What each payer allowed per unit of the view's codes, by service month over the
        history window ending at the view's as-of date; only the view's payers when it names
        some."""
        from ..queries import pricing

        months = self.pricing_settings()["history_months"]
        codes = list(view.filters.codes)
        return self.from_pricing(view, "by month", lambda cursor, as_of: (
            pricing.allowed_per_unit_by_month(cursor, codes, as_of, months)))  # fmt: skip

    def from_pricing(self, view: View, part: str, read: Callable) -> pl.DataFrame:
        # A payer prices a code, not a provider's, a location's or a month's line: of the
        # filters only the codes and payers apply, and the window is the settings' months to
        # the as-of date, not the dates chosen.
        as_of = self.settings_for(view).as_of
        key = ("pricing", part, view.filters.codes, as_of, tuple(self.pricing_settings().items()))

        def make() -> pl.DataFrame:
            with self.cursor() as cursor:
                try:
                    return read(cursor, as_of)
                except duckdb.CatalogException:
                    raise NoData(STALE) from None

        found = self.cached(key, make)
        payers = view.filters.payers
        return found.filter(pl.col("payer_id").is_in(payers)) if payers else found

    # -- appeals (docs/appeals.md) ---------------------------------------------------------------
    @reads("lines")
    def appeal_letter(self, view: View, claim_id: int):
        """The appeal letter (queries/appeal_letter.py Letter) of a claim on the view's appeal
        worklist; None when the claim is not on it. A letter names the patient and their member
        id: only roles that see identities get one (Refused otherwise)."""
        from ..access.roles import Refused
        from ..queries.appeal_letter import Sender, appeal_letter

        if self.viewer is not None:
            viewer = self.viewer()
            if viewer is None or not viewer.sees_identities:
                raise Refused("identities")
        listed = self.appeal_worklist(view).filter(pl.col("claim_id") == claim_id)
        if listed.height == 0:
            return None
        row = listed.row(0, named=True)
        prices = self.comparator_prices(view)
        table = self.config["appeal_letters"]
        with self.cursor() as cursor:
            return appeal_letter(cursor, row["patient_control_number"], row["payer_id"], prices,
                                 list(self.codes), Sender.of(table),
                                 dict(table.get("payer_policy", {})),
                                 self.settings_for(view).as_of)  # fmt: skip

    @reads("lines")
    def appeals_sent(self, view: View) -> dict[str, pl.DataFrame]:
        """The appeals sent on the view's lines: "open" (open_appeals: age and dollars at stake)
        and "figures" (appeal_figures: the overturn rate over appeals answered, open lines and
        dollars by age band), at the view's as-of date."""
        settings = self.settings_for(view)

        def make() -> dict[str, pl.DataFrame]:
            with self.cursor() as cursor:
                try:
                    outcomes = metrics.appeal_outcomes(cursor, view.filters).collect().lazy()
                except duckdb.CatalogException:
                    raise NoData(STALE) from None
            return {"open": metrics.open_appeals(outcomes, settings).collect(),
                    "figures": metrics.appeal_figures(outcomes, settings)}  # fmt: skip

        return self.cached(("appeals sent", view.filters, settings.as_of, settings.min_count),
                           make)  # fmt: skip
