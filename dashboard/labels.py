"""What each figure is called on screen and in exports (the names of queries/metrics.py)."""

from __future__ import annotations

from ..queries.metrics import AGING, ELEMENTS

FIGURE_LABELS = {
    "lines_billed": "Lines billed",
    "charges_billed": "Charges billed",
    "lines_pending": "Lines pending",
    "charges_pending": "Pending A/R (charges)",
    "initial_denial_rate": "Initial denial rate",
    "initial_denial_rate_charges": "Initial denial rate (charges)",
    "final_denial_rate": "Final denial rate",
    "final_denial_rate_charges": "Final denial rate (charges)",
    "overturn_rate": "Overturn rate",
    "net_paid": "Net paid",
    "no_contract_rate": "Adjudicated without contract",
    "allowed_variance": "Allowed variance",
    "expected_allowed": "Expected allowed (priced lines)",
    "allowed_priced": "Allowed (priced lines)",
    "paid_priced": "Paid (priced lines)",
    "underpaid_rate": "Underpaid lines",
    "underpaid_dollars": "Underpaid dollars",
    "days_to_adjudication_median": "Days to adjudication, median",
    "days_to_adjudication_p90": "Days to adjudication, 90th percentile",
    "days_to_payment_median": "Days to payment, median",
    "days_to_payment_p90": "Days to payment, 90th percentile",
    "documentation_complete_rate": "Documentation complete",
    "narrative_present_rate": "Narrative on the claim",
    "denial_rate_complete_documentation": "Denial rate, complete notes",
    "denial_rate_incomplete_documentation": "Denial rate, incomplete notes",
    **{f"element_{e}_rate": f"Note shows {e}" for e in ELEMENTS},
    **{f"ar_aging_{label}": f"Pending lines {label} days" for _, _, label in AGING},
    **{f"ar_aging_{label}_charges": f"Pending charges {label} days" for _, _, label in AGING},
}
RATES = {
    "initial_denial_rate", "initial_denial_rate_charges", "final_denial_rate",
    "final_denial_rate_charges", "overturn_rate", "no_contract_rate", "underpaid_rate",
    "documentation_complete_rate", "narrative_present_rate", "denial_rate_complete_documentation",
    "denial_rate_incomplete_documentation", *(f"element_{e}_rate" for e in ELEMENTS),
}  # fmt: skip
ELEMENT_LABELS = {
    "description": "Description", "purpose": "Purpose", "duration": "Duration",
    "rationale": "Rationale", "credentials": "Credentials", "involvement": "Involvement",
}  # fmt: skip
GROUP_CODES = {"CO": "Contractual obligation", "OA": "Other adjustment", "PI": "Payer initiated",
               "PR": "Patient responsibility"}  # fmt: skip
BASIS = {"service": "Service date", "payment": "Payment date"}
