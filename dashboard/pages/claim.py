"""One claim: the 837 as billed (every version), each line's outcome, every 835 event in time
order, and the documentation found or missing, element by element."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, dcc, html

from ...access.roles import REVENUE
from ...queries.metrics import ELEMENTS
from .. import components as ui
from ..data import Data
from ..labels import ELEMENT_LABELS
from ..page_parts import guarded, lines_href
from ..view import View, parse

# Reached from the Claims grid and the figures' drill-downs, not from the navigation; not
# filtered (one claim).
dash.register_page(__name__, path_template="/claims/<claim_id>", name="Claim",
                   title="Claim · unlisted", roles=REVENUE, prefix="claim", filters=False)
FREQUENCY = {"1": "original", "7": "replacement", "8": "void"}


def claim_id(pathname: str | None) -> int | None:
    tail = (pathname or "").rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def layout(pathname: str):
    return html.Div([
        dcc.Loading(html.Div(id="claim-body", className="page-body"), type="dot",
                    delay_show=250),
    ], id="page-claim")  # fmt: skip


def register(app, data: Data) -> None:
    @app.callback(Output("claim-body", "children"), Input("url", "pathname"),
                  State("url", "search"))  # fmt: skip
    def body(pathname, search):
        wanted = claim_id(pathname)
        if wanted is None:
            return ui.empty("No such claim.", "Open a claim from the Claims page.")
        return guarded(lambda: draw(data, wanted, parse(search, data.codes)))


def draw(data: Data, wanted: int, view: View):
    parts = data.claim(wanted)
    versions = parts["versions"]
    if versions.height == 0:
        return ui.empty("No such claim in the database.", "Open a claim from the Claims page.")
    chosen = versions.filter(pl.col("claim_id") == wanted).row(0, named=True)
    back = html.Div([
        dcc.Link("← back to the lines", href=lines_href(view), className="back-link"),
        html.A("Export this claim (Excel)", href=f"/export/claim/{wanted}.xlsx",
               className="page-export", download=f"claim-{wanted}.xlsx"),
    ], className="page-head")
    return [
        back,
        html.H1(f"Claim {chosen['patient_control_number']}"),
        html.P(f"{chosen['payer_name'] or chosen['payer_id']} · billed {chosen['created_date']} "
               f"· {ui.money(float(chosen['total_charge']))}", className="intro"),
        ui.card("As billed (837P)", billed(versions), note="Every version of the claim sent, "
                "oldest first; the one in force counts in the figures."),
        ui.card("Lines", lines(parts["lines"])),
        ui.card("Remittance events (835), in time order", events(parts["events"]),
                note="Payments, denials, reversals, corrections and secondary payments."),
        ui.card("Rule findings", findings(parts["findings"]),
                note="What the billing-rule checks saw on this claim's lines, how often the payer "
                     "denied lines with the same finding, and the charge that puts at risk."),
        ui.card("Documentation", notes(parts["notes"], parts["lines"].filter(
            pl.col("procedure_code").is_in(view.filters.codes)), view.filters.codes)),
    ]  # fmt: skip


def billed(versions: pl.DataFrame):
    rows = []
    for v in versions.to_dicts():
        rows.append(html.Tr([
            html.Td(FREQUENCY.get(v["frequency_code"], v["frequency_code"])
                    + (" (in force)" if v["in_force"] else "")),
            html.Td(str(v["created_date"])), html.Td(v["payer_name"] or v["payer_id"]),
            html.Td(v["rendering_name"] or v["billing_name"]),
            html.Td(v["service_facility_name"] or v["billing_name"]),
            html.Td(patient(v)), html.Td(v["prior_authorization"] or "none"),
            html.Td(ui.money(float(v["total_charge"])), className="num"),
            html.Td(v["claim_note"] or ""), html.Td(v["file_name"]),
        ]))  # fmt: skip
    head = html.Thead(html.Tr([html.Th(h) for h in (
        "Version", "Created", "Payer", "Rendering provider", "Location", "Patient", "Prior auth",
        "Charge", "Claim note", "File")]))  # fmt: skip
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True)


def patient(version: dict) -> str:
    """Who the claim is for, as the viewer may see it (pseudonyms for masked roles)."""
    name = ", ".join(p for p in (version["patient_last_name"], version["patient_first_name"]) if p)
    parts = [name or "no name", f"born {version['patient_birth_date'] or '?'}",
             f"member {version['subscriber_member_id'] or '?'}"]
    return " · ".join(parts)


def lines(frame: pl.DataFrame):
    rows = ui.records(frame)
    for r in rows:
        r["outcome"] = ("pending" if not r["adjudicated"] else "denied" if r["final_denied"]
                        else "overturned, paid" if r["overturned"] else "paid"
                        if (r["net_paid"] or 0) > 0 else "not paid")  # fmt: skip
    columns = [
        ui.column("line_number", "Line", maxWidth=80), ui.column("service_date", "Date"),
        ui.column("procedure_code", "Code", maxWidth=90), ui.column("modifiers", "Modifiers"),
        ui.column("units", "Units", "count", maxWidth=90), ui.column("charge", "Charge", "money"),
        ui.column("outcome", "Outcome"), ui.column("net_paid", "Net paid", "money"),
        ui.column("allowed", "Allowed", "money"),
        ui.column("expected_allowed", "Expected", "money"),
        ui.column("initial_denial_carc", "First denial CARC", maxWidth=150),
        ui.column("description", "Description (SV101-7)", flex=2),
        ui.column("line_note", "Line note", flex=1),
    ]  # fmt: skip
    return ui.table("claim-lines", rows, columns, clickable=False)


# Answers that are not an adjudication of the service, by their adjudication_event.answer.
EVENT_NAMES = {"reversal": "Reversal", "duplicate": "Duplicate submission",
               "pended": "Pended (no decision yet)"}


def events(frame: pl.DataFrame):
    if frame.height == 0:
        return ui.empty("No remittance yet: the claim is pending.")
    rows = ui.records(frame)
    for r in rows:
        r["what"] = EVENT_NAMES.get(r["answer"]) or (
            "Denial" if r["denied"] else "Secondary payment" if r["is_secondary"] else "Payment")
        if r["denial_carc"]:
            r["denial"] = f"{r['denial_carc']} {r['denial_label'] or ''}".strip()
    columns = [
        ui.column("payment_date", "Paid on", maxWidth=120),
        ui.column("what", "Event", maxWidth=150),
        ui.column("line_number", "Line", maxWidth=80),
        ui.column("status", "Claim status", minWidth=190),
        ui.column("payer_name", "Payer", minWidth=160), ui.column("charge", "Charge", "money"),
        ui.column("allowed", "Allowed", "money"), ui.column("paid", "Paid", "money"),
        ui.column("patient_resp", "Patient share", "money"),
        ui.column("denial", "Denial reason", minWidth=220, tooltipField="denial"),
        ui.column("adjustments", "Adjustments (CAS)", minWidth=200, tooltipField="adjustments"),
        ui.column("remark_codes", "Remarks"), ui.column("adjudicated_code", "Paid as code"),
        ui.column("trace_number", "Check / EFT"), ui.column("file_name", "File", hide=True),
    ]  # fmt: skip
    return ui.table("claim-events", rows, columns, clickable=False)


def findings(frame: pl.DataFrame):
    if frame.height == 0:
        return html.P("No rule check fired on this claim.", className="ok")
    columns = [ui.column("line_number", "Line", maxWidth=80),
               ui.column("procedure_code", "Code", maxWidth=90),
               ui.column("severity", "Severity", maxWidth=110),
               ui.column("rule_label", "Rule", flex=1, wrapText=True, autoHeight=True),
               ui.column("evidence", "Evidence", flex=3, minWidth=320, wrapText=True,
                         autoHeight=True, tooltipField="evidence",
                         cellStyle={"lineHeight": "1.35", "paddingTop": "6px",
                                    "paddingBottom": "6px"}),
               ui.column("denial_rate", "Denied when seen", "share", maxWidth=140,
                         tooltipField="rate_seen"),
               ui.column("dollars_at_risk", "At risk", "money")]
    return ui.table("claim-findings", ui.records(frame), columns, clickable=False)


def notes(frame: pl.DataFrame, target_lines: pl.DataFrame, codes: tuple[str, ...]):
    missing = target_lines.filter(pl.col("narrative_present").not_()).height
    which = "/".join(codes)
    head = html.P(
        f"No {which} line on this claim." if target_lines.height == 0 else
        f"Every {which} line carries a narrative on the claim (SV101-7 or line note)."
        if missing == 0 else
        f"{missing} of {target_lines.height} {which} line(s) carry no narrative on the claim "
        "(SV101-7 or line note).", className="ok" if missing == 0 else "missing")  # fmt: skip
    if frame.height == 0:
        return [head, ui.empty("No treatment note matches this claim and date of service.",
                               "Load the practice's notes export (unlisted load notes.csv).")]
    cards = []
    for note in frame.to_dicts():
        items = []
        for element in ELEMENTS:
            found = note[f"has_{element}"]
            items.append(html.Li([
                html.Span("✓ " if found else "✗ ", className="ok" if found else "missing"),
                html.Span(ELEMENT_LABELS[element], className="fw-semibold"), ": ",
                html.Span(f"“{note[f'{element}_evidence']}”" if found and note[
                    f"{element}_evidence"] else ("found" if found else "missing"),
                    className="evidence"),
            ]))  # fmt: skip
        cards.append(dbc.Card(dbc.CardBody([
            html.Div(f"Note of {note['service_date']} by {note['provider_name'] or 'unknown'}"
                     f"{', ' + note['credentials'] if note['credentials'] else ''} · "
                     f"{note['minutes'] or '?'} minutes · signed "
                     f"{note['signed_date'] or 'unsigned'} · {note['elements_present']} of 6 "
                     "elements", className="fw-semibold"),
            html.Ul(items, className="elements"),
            html.Details([html.Summary("Note text"), html.P(note["note_text"] or "(no text: "
                          "elements from the export's checklist)")]),
        ]), className="note-card"))  # fmt: skip
    return [head, *cards]
