"""Sampling: the frame the filters define, a sample size from a probe's spread, the command that
draws the sample, and every sample drawn with its review and appraisal (queries/sampling.py).

The dashboard reads a copy of the database and never writes: drawing and recording review
results is `unlisted sample`'s job (one writer), and the page says the exact command."""

from __future__ import annotations

import shlex

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from ...access.roles import COMPLIANCE
from ...queries import sampling
from .. import components as ui
from ..data import Data
from ..page_parts import figure_page, selection_text
from ..view import View, parse

dash.register_page(__name__, path="/sampling", name="Sampling", title="Sampling · unlisted",
                   order=5, roles=COMPLIANCE, prefix="sampling",
                   exports=("samples",))
INTRO = ("Reproducible random samples for an internal audit, in the spirit of RAT-STATS: the "
         "frame is the lines the filter bar selects.")


def draw(data: Data, view: View, search: str):
    frame = data.frame(view)
    samples = data.samples()
    rows = [sample_row(r) for r in ui.records(samples)]
    return [
        html.P(selection_text(view), className="period"),
        dbc.Row([
            dbc.Col(ui.card("The frame", [
                html.Div(f"{frame.size:,} lines", className="tile-value"),
                html.Div(f"{ui.money(float(frame.total_paid))} paid in all",
                         className="tile-detail"),
                html.P("Change the filter bar to change the frame.", className="small muted"),
            ]), lg=3),
            dbc.Col(ui.card("Sample size", size_form(frame.size),
                            note="From a probe: the spread of overpayment per line and the "
                                 "precision wanted for the mean, at 90% confidence."), lg=4),
            dbc.Col(ui.card("Draw it", draw_form(view),
                            note="The sample is recorded in the database with its seed, frame "
                                 "and method; the same command draws the same lines again."),
                    lg=5),
        ], className="g-3"),
        dcc.Store(id="sampling-frame-size", data=frame.size),
        ui.card("Samples drawn", ui.table("samples", rows, SAMPLES, empty_text=(
            "No sample yet: draw one with the command above.")), "samples", search,
            note="Click a sample for its lines, review and appraisal."),
    ]  # fmt: skip


def sample_row(row: dict) -> dict:
    """A drawn sample as people read it: when to the minute, "none" rather than an empty
    stratification, and the link to its page."""
    return {**row, "created_at": f"{row['created_at']:%Y-%m-%d %H:%M}",
            "stratify_by": row["stratify_by"] or "none", "seed": str(row["seed"]),
            "_id": row["sample_id"], "_href": f"/sampling/{row['sample_id']}"}  # fmt: skip


SAMPLES = [
    ui.column("sample_id", "Sample", "number", maxWidth=100),
    ui.column("created_at", "Drawn"), ui.column("method", "Method"),
    ui.column("stratify_by", "Strata by"), ui.column("seed", "Seed"),
    ui.column("sample_size", "Lines", "count"), ui.column("frame_size", "Frame", "count"),
    ui.column("frame_total_paid", "Frame paid", "money"),
    ui.column("reviewed", "Reviewed", "count"),
]  # fmt: skip


def size_form(frame_size: int):
    return [
        dbc.Row([
            dbc.Col([dbc.Label("SD of overpayment per line ($)", html_for="sampling-sd"),
                     dbc.Input(id="sampling-sd", type="number", min=0, value=25, step="any")]),
            dbc.Col([dbc.Label("Precision wanted (± $ per line)", html_for="sampling-precision"),
                     dbc.Input(id="sampling-precision", type="number", min=0.01, value=5,
                               step="any")]),
        ], className="g-2"),
        html.Div(id="sampling-size", className="mt-2"),
    ]  # fmt: skip


def draw_form(view: View):
    return [
        dbc.Row([
            dbc.Col([dbc.Label("Lines (the size computed)", html_for="sampling-n"),
                     dbc.Input(id="sampling-n", type="number", min=2, value=30, step=1)]),
            dbc.Col([dbc.Label("Seed", html_for="sampling-seed"),
                     dbc.Input(id="sampling-seed", type="number", min=0, value=20261130,
                               step=1)]),
            dbc.Col([dbc.Label("Strata", html_for="sampling-stratify"),
                     dbc.Select(id="sampling-stratify", value="none", options=[
                         {"label": "none", "value": "none"},
                         {"label": "by payer", "value": "payer"},
                         {"label": "by provider", "value": "provider"},
                         {"label": "by paid amount", "value": "paid"}])]),
        ], className="g-2"),
        html.Div([html.Code(id="sampling-command", className="command"),
                  dcc.Clipboard(target_id="sampling-command", title="Copy the command",
                                className="copy")], className="command-box mt-2"),
    ]  # fmt: skip


def command(view: View, n: int | None, seed: int | None, stratify: str | None,
            db: str | None) -> str:  # fmt: skip
    """The `unlisted sample draw` command for the view's filters."""
    f = view.filters
    words = ["unlisted", "sample", "draw"]
    if db:
        words += ["--db", db]
    for code in f.codes:
        words += ["--code", code]
    if f.start:
        words += ["--from", f.start.isoformat()]
    if f.end:
        words += ["--to", f.end.isoformat()]
    if f.basis != "service":
        words += ["--basis", f.basis]
    for option, values in (("--payer", f.payers), ("--provider", f.providers),
                           ("--location", f.locations), ("--modifier", f.modifiers)):  # fmt: skip
        for value in values:
            words += [option, value]
    words += ["--size", str(int(n or 0)), "--seed", str(int(seed or 0))]
    if stratify and stratify != "none":
        words += ["--stratify", stratify]
    return " ".join(shlex.quote(w) for w in words)


def computed_size(sd, precision, frame_size) -> dict | str:
    """The variables sample size for the page's frame at 90% (sampling.sample_size_variables,
    as `unlisted sample size --probe-sd`), or why there is none."""
    try:
        return sampling.sample_size_variables(int(frame_size or 0), float(sd or 0),
                                              float(precision or 0))  # fmt: skip
    except (sampling.SamplingError, ValueError, TypeError) as exc:
        return str(exc)


def register_forms(app, data: Data) -> None:
    @app.callback(Output("sampling-size", "children"), Input("sampling-sd", "value"),
                  Input("sampling-precision", "value"), State("sampling-frame-size", "data"))
    def size(sd, precision, frame_size):
        got = computed_size(sd, precision, frame_size)
        if isinstance(got, str):
            return html.Span(got, className="missing")
        return [html.Div(f"{got['sample_size']:,} lines", className="tile-value"),
                html.Div(f"n0 = (z·s/E)² = {got['n0']:,.1f}; with the finite population "
                         f"correction n = {got['n_fpc']:,.1f}, rounded up; the command below "
                         "draws it", className="small")]  # fmt: skip

    # The size computed is the size the command draws: it fills the command's Lines.
    @app.callback(Output("sampling-n", "value"), Input("sampling-sd", "value"),
                  Input("sampling-precision", "value"), State("sampling-frame-size", "data"))
    def size_drawn(sd, precision, frame_size):
        got = computed_size(sd, precision, frame_size)
        return no_update if isinstance(got, str) else got["sample_size"]

    @app.callback(Output("sampling-command", "children"), Input("sampling-n", "value"),
                  Input("sampling-seed", "value"), Input("sampling-stratify", "value"),
                  State("url", "search"))  # fmt: skip
    def draw_command(n, seed, stratify, search):
        view = data.effective(parse(search, data.codes))
        return command(view, n, seed, stratify, str(data.snapshot.path))


layout, register_body = figure_page(__name__, INTRO, draw, needs_lines=False)


def register(app, data: Data) -> None:
    register_body(app, data)
    register_forms(app, data)

