"""Comparator pricing of the target codes (docs/pricing.md): what each payer allowed per unit,
which code it paid the line as, and the price to expect from it at an as-of date (its contract
rate when one is loaded, else its history, else "too few lines").

Reads only: the values come in as arguments (the settings' [pricing] table holds them)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from .sql import sql

BASES = ("contract", "history", "too few lines")
PRICE_COLUMNS = (
    "payer_id", "payer_name", "code", "comparator_code", "comparator_share", "basis",
    "per_unit", "low", "high", "lines", "first_service_date", "last_service_date",
    "contract_method", "contract_amount",
)  # fmt: skip
MONTH_COLUMNS = ("payer_id", "payer_name", "code", "service_month", "lines", "per_unit", "low",
                 "high")  # fmt: skip


def history(con: duckdb.DuckDBPyConnection, codes: list[str], as_of: dt.date,
            history_months: int) -> pl.LazyFrame:  # fmt: skip
    """queries/pricing/allowed_per_unit.sql: per payer, code and service month, and over the
    window (service_month NULL)."""
    if history_months < 1:
        raise ValueError("history_months must be at least 1")
    params = {"codes": list(codes), "as_of": as_of, "history_months": history_months}
    return pl.from_arrow(
        con.sql(sql("pricing/allowed_per_unit"), params=params).to_arrow_table()
    ).lazy()


def contracts(con: duckdb.DuckDBPyConnection, codes: list[str],
              as_of: dt.date) -> pl.LazyFrame:  # fmt: skip
    """queries/pricing/contract_in_force.sql: each payer's rate of each code at the as-of date."""
    params = {"codes": list(codes), "as_of": as_of}
    return pl.from_arrow(
        con.sql(sql("pricing/contract_in_force"), params=params).to_arrow_table()
    ).lazy()


def allowed_per_unit_by_month(con: duckdb.DuckDBPyConnection, codes: list[str], as_of: dt.date,
                              history_months: int) -> pl.DataFrame:  # fmt: skip
    """What each payer allowed per unit of each code, by service month over the window ending
    at `as_of`: the paid lines (lines), their median per unit (per_unit) and the 25th and 75th
    percentiles (low, high). Only months with a paid line; by payer, code and month."""
    return (
        history(con, codes, as_of, history_months)
        .filter(pl.col("service_month").is_not_null() & (pl.col("lines") > 0))
        .select(MONTH_COLUMNS)
        .collect()
    )


def recoded_as(con: duckdb.DuckDBPyConnection, codes: list[str], as_of: dt.date,
               history_months: int) -> pl.DataFrame:  # fmt: skip
    """Each code a payer paid the target code as (SVC01 where the payer recoded the billed
    SVC06) over the window: its lines, the payer's paid lines of the code, and the share;
    most lines first."""
    return (
        history(con, codes, as_of, history_months)
        .filter(pl.col("service_month").is_null())
        .select("payer_id", "payer_name", "code", pl.col("lines").alias("paid_lines"), "recodes")
        .explode("recodes")
        .drop_nulls("recodes")
        .select(
            "payer_id", "payer_name", "code",
            pl.col("recodes").struct.field("code").alias("paid_as"),
            pl.col("recodes").struct.field("lines").alias("lines"), "paid_lines",
            (pl.col("recodes").struct.field("lines") / pl.col("paid_lines")).alias("share"))
        .sort(["payer_id", "code", "lines", "paid_as"], descending=[False, False, True, False])
        .collect()
    )  # fmt: skip


def comparator_prices(con: duckdb.DuckDBPyConnection, codes: list[str], as_of: dt.date,
                      history_months: int, min_lines: int) -> pl.DataFrame:  # fmt: skip
    """One row per payer and code (payers with a line of the code in the window, or a contract
    rate in force at `as_of`), by payer id and code: the comparator code and the price per unit
    to expect.

    basis "contract": a fixed rate (its amount per unit), a comparator rate whose comparator
    code has a fixed rate (that rate), or a percent rate (per_unit NULL: the price is
    contract_amount as a share of charges). Else "history": the median allowed per unit of the
    window's paid lines, with the 25th and 75th percentiles (low, high), when at least
    `min_lines` paid lines support it; else "too few lines" (per_unit NULL). comparator_code:
    a comparator contract's code, else the code the payer paid most of the lines as;
    comparator_share: its share of the paid lines (NULL under a contract, and when the payer
    paid none of them recoded). lines: paid lines in the window, whatever the basis."""
    if min_lines < 1:
        raise ValueError("min_lines must be at least 1")
    window = history(con, codes, as_of, history_months).filter(pl.col("service_month").is_null())
    rates = contracts(con, codes, as_of).select(
        "payer_id", "code", pl.col("payer_name").alias("contract_payer_name"), "contract_method",
        "contract_amount", "contract_comparator_code", "contract_per_unit")  # fmt: skip
    both = (
        window.join(rates, on=["payer_id", "code"], how="full", coalesce=True)
        .join(comparator_lines(window, rates), on=["payer_id", "code"], how="left")
        .with_columns(pl.col("lines").fill_null(0).cast(pl.Int64))
    )  # fmt: skip
    # A percent rate prices by the charge, not by the unit: it has no per_unit and still wins.
    by_contract = (pl.col("contract_method") == "percent") | pl.col(
        "contract_per_unit").is_not_null()  # fmt: skip
    basis = (pl.when(by_contract.fill_null(False)).then(pl.lit("contract"))
             .when(pl.col("lines") >= min_lines).then(pl.lit("history"))
             .otherwise(pl.lit("too few lines")))  # fmt: skip
    return (
        both.with_columns(basis.alias("basis"))
        .with_columns(
            pl.coalesce("payer_name", "contract_payer_name").alias("payer_name"),
            pl.coalesce("contract_comparator_code", "comparator_code").alias("comparator_code"),
            pl.when(basis_is("contract") | pl.col("comparator_lines").is_null()).then(None)
            .otherwise(pl.col("comparator_lines") / pl.col("lines"))
            .cast(pl.Float64).alias("comparator_share"),
            pl.when(basis_is("contract")).then(pl.col("contract_per_unit"))
            .when(basis_is("history")).then(pl.col("per_unit")).alias("per_unit"),
            *(pl.when(basis_is("history")).then(pl.col(c)).alias(c) for c in ("low", "high")),
        )
        .select(PRICE_COLUMNS)
        .sort("payer_id", "code")
        .collect()
    )  # fmt: skip


def basis_is(basis: str) -> pl.Expr:
    return pl.col("basis") == basis


def comparator_lines(window: pl.LazyFrame, rates: pl.LazyFrame) -> pl.LazyFrame:
    """Per payer and code, the comparator code seen in the history (the code the payer paid
    most of the lines as, else the comparator contract's code) and its paid lines: under a
    comparator contract, the lines paid as the contract's code (NULL when none were, so that
    the share says nothing rather than 0 of a code the payer never answered with)."""
    recodes = (
        window.select("payer_id", "code", "recodes")
        .explode("recodes")
        .drop_nulls("recodes")
        .select("payer_id", "code",
                pl.col("recodes").struct.field("code").alias("paid_as"),
                pl.col("recodes").struct.field("lines").alias("paid_as_lines"))
    )  # fmt: skip
    order = {"by": ["paid_as_lines", "paid_as"], "descending": [True, False]}
    most = recodes.group_by("payer_id", "code").agg(
        pl.col("paid_as").sort_by(**order).first().alias("comparator_code"),
        pl.col("paid_as_lines").sort_by(**order).first().alias("most_lines"),
    )
    named = rates.select("payer_id", "code", "contract_comparator_code").join(
        recodes, left_on=["payer_id", "code", "contract_comparator_code"],
        right_on=["payer_id", "code", "paid_as"], how="inner",
    ).select("payer_id", "code", pl.col("paid_as_lines").alias("named_lines"))  # fmt: skip
    keys = pl.concat([most.select("payer_id", "code"), rates.select("payer_id", "code")]).unique()
    return (
        keys.join(most, on=["payer_id", "code"], how="left")
        .join(rates.select("payer_id", "code", "contract_comparator_code"),
              on=["payer_id", "code"], how="left")
        .join(named, on=["payer_id", "code"], how="left")
        .select("payer_id", "code", "comparator_code",
                pl.when(pl.col("contract_comparator_code").is_not_null())
                .then(pl.col("named_lines")).otherwise(pl.col("most_lines"))
                .alias("comparator_lines"))
    )  # fmt: skip


def price_words(row: dict, min_lines: int) -> str:
    """One suggestion (a row of comparator_prices) in words, for a table cell."""
    if row["basis"] == "contract":
        if row["contract_method"] == "percent":
            share = (row["contract_amount"] * 100).normalize()
            return f"share of charges: {share:f}% (contract)"
        if row["contract_method"] == "comparator":
            return f"${row['per_unit']:,.2f} per unit: the contract's rate of " \
                   f"{row['comparator_code']}"  # fmt: skip
        return f"${row['per_unit']:,.2f} per unit (contract)"
    lines = f"{row['lines']:,} paid line{'' if row['lines'] == 1 else 's'}"
    if row["basis"] == "too few lines":
        return f"too few lines: {lines}, at least {min_lines:,} needed"
    return f"${row['per_unit']:,.2f} per unit (25th to 75th percentile ${row['low']:,.2f} to " \
           f"${row['high']:,.2f}, {lines})"  # fmt: skip
