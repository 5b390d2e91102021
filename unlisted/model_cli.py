"""`unlisted model train` and `unlisted model show`: the predicted-denial model that `unlisted
check` scores outgoing lines with (docs/denial-model.md)."""

from __future__ import annotations

import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .options import ConfigOption, DbOption, existing_database, fail, safe_text, settings_or_exit

model_app = typer.Typer(
    help="The predicted-denial model: train it on the practice's adjudicated lines, show it.",
    no_args_is_help=True,
)

BeforeOption = Annotated[
    datetime.datetime | None,
    typer.Option("--before", formats=["%Y-%m-%d"],
                 help="Learn from the lines first adjudicated before this day (default: "
                      "today)."),
]  # fmt: skip


@model_app.command("train")
def train(before: BeforeOption = None, db: DbOption = None, config: ConfigOption = None) -> None:
    """Learn the initial denial of the target codes' lines ([metrics] codes) from the lines
    first adjudicated before --before, and store the model in the database (as JSON). The check
    and the dashboard score with the model trained last.

    Exit status: 0 when a model was stored, 1 when there are too few lines (or only one
    outcome) or no marts, 2 for a usage error."""
    import duckdb

    from . import __version__
    from .etl.database import connect
    from .etl.errors import InputError
    from .etl.models import store_model
    from .pipeline import update_marts
    from .queries import denial_model as dm
    from .queries.marts import ReferenceListError

    settings = settings_or_exit(config)
    path = existing_database(db)
    day = (before or datetime.datetime.now()).date()
    codes = list(settings["metrics"]["codes"])
    try:
        con = connect(path)
    except InputError as exc:
        raise fail(exc.message) from None
    try:
        try:
            update_marts(con, settings)
            features = dm.line_features(con, codes)
        except ReferenceListError as exc:
            raise fail(str(exc), 2) from None
        except duckdb.CatalogException:
            raise fail("The database has no marts yet: run unlisted load.") from None
        try:
            record = dm.train(features, codes, day, __version__)
        except dm.TooFewLines as exc:
            raise fail(f"No model trained: {exc} (target codes {', '.join(codes)}, first "
                       f"adjudicated before {day}).") from None  # fmt: skip
        model_id = store_model(con, record)
    finally:
        con.close()
    out = Console(emoji=False, highlight=False)
    trained = record["model"]["training"]
    out.print(
        f"Denial model {model_id} trained on {record['lines']:,} {safe_text(', '.join(codes))} "
        f"lines first adjudicated {record['first_adjudication_date']} to "
        f"{record['last_adjudication_date']} (before {day}); {record['denials']:,} denied at "
        f"first ({record['denials'] / record['lines']:.1%}). Training AUC "
        f"{trained['auc']:.3f}, Brier score {trained['brier']:.4f}."
    )
    out.print(f"Fingerprint {record['fingerprint']}. unlisted model show explains it.")


@model_app.command("show")
def show(db: DbOption = None) -> None:
    """The model trained last: its training window and counts, fingerprint, training AUC and
    Brier score, and what each fact does to the odds of a denial."""
    import duckdb

    from .queries import denial_model as dm

    path = existing_database(db)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise fail(f"cannot read the database {path}: {exc}") from None
    try:
        record = dm.latest_model(con)
    finally:
        con.close()
    if record is None:
        raise fail("No denial model is trained yet: unlisted model train.")
    print_model(record)


def print_model(record: dict) -> None:
    from .queries import denial_model as dm

    out = Console(emoji=False, highlight=False)
    model = record["model"]
    trained = model["training"]
    out.print(f"Denial model {record['model_id']}, trained {record['trained_at']} by unlisted "
              f"{safe_text(record['program_version'])}")  # fmt: skip
    out.print(f"  codes: {safe_text(', '.join(record['codes']))}")
    out.print(f"  learned from: {record['lines']:,} lines first adjudicated "
              f"{record['first_adjudication_date']} to {record['last_adjudication_date']} "
              f"(before {record['cutoff']}), service dates {record['first_service_date']} to "
              f"{record['last_service_date']}")  # fmt: skip
    share = record["denials"] / record["lines"]
    out.print(f"  denied at first: {record['denials']:,} ({share:.1%}); timely-filing denials "
              "(CARC 29) left out")  # fmt: skip
    out.print(f"  training AUC {trained['auc']:.3f}, Brier score {trained['brier']:.4f}")
    out.print(f"  fingerprint: {record['fingerprint']}")
    out.print(f"  {safe_text(model['kind'])}, {safe_text(model['penalty'])}; intercept "
              f"{model['intercept']:+.3f}")  # fmt: skip
    table = Table(title="What each fact does to the odds of a denial (in general)",
                  title_justify="left")  # fmt: skip
    table.add_column("fact")
    table.add_column("coefficient", justify="right")
    table.add_column("effect")
    table.add_column("training lines with it", justify="right")
    lines_with = model.get("lines_with", {})
    words = {model["words"][n][0]: n for n in model["features"]}
    for what, coef, effect in dm.model_words(model):
        count = lines_with.get(words.get(what, ""), None)
        table.add_row(safe_text(what), f"{coef:+.3f}", effect,
                      "" if count is None else f"{count:,}")  # fmt: skip
    out.print(table)
    payer_names = model["categories"]["payer"].get("names", {})
    own = [(model["words"][name][0], payer, coef)
           for name, by in model.get("by_payer", {}).items() for payer, coef in by.items()
           if abs(coef) >= 0.5]  # fmt: skip
    if own:
        table = Table(title="What a fact adds for one payer, beyond its general effect "
                            "(|coefficient| 0.5 or more)", title_justify="left")  # fmt: skip
        for column in ("fact", "payer", "coefficient", "effect"):
            table.add_column(column, justify="right" if column == "coefficient" else "left")
        for what, payer, coef in sorted(own, key=lambda r: -abs(r[2])):
            shown = f"{payer_names[payer]} ({payer})" if payer in payer_names else payer
            table.add_row(safe_text(what), safe_text(shown), f"{coef:+.3f}",
                          dm.odds_words(coef))  # fmt: skip
        out.print(table)
    for name, payers in model.get("always", {}).items():
        shown = ", ".join(payer_names.get(p, p) for p in payers)
        fact = model["words"][name][0]
        out.print(safe_text(f'Every training line of {shown} had "{fact}": it tells nothing '
                            "there (that payer's own rate carries it)."))  # fmt: skip
    out.print("A payer or discipline not seen in training scores as the average one; a fact's "
              "reason on a line is the change in the probability when that fact alone is set "
              "to its favourable value (docs/denial-model.md).")  # fmt: skip
