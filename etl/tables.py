"""Row layouts the parsers emit, one per base table, and the findings they report.

The DuckDB tables (queries/schema) are the contract; the writer matches these names to their
columns, so a layout may leave out a column (it stays NULL) but never invent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

CLAIM = (
    "claim_id", "batch_id", "source_location", "transaction_control", "patient_control_number",
    "frequency_code", "place_of_service", "total_charge", "payer_id", "payer_name",
    "payer_responsibility", "claim_filing_indicator", "subscriber_member_id",
    "subscriber_last_name", "subscriber_first_name", "subscriber_birth_date", "patient_last_name",
    "patient_first_name", "patient_birth_date", "patient_relationship", "billing_npi",
    "billing_name", "billing_taxonomy", "rendering_npi", "rendering_name", "rendering_taxonomy",
    "service_facility_npi", "service_facility_name", "prior_authorization", "referral_number",
    "original_claim_number", "diagnosis_codes", "attachment_types", "claim_note", "created_date",
)  # fmt: skip
CLAIM_LINE = (
    "claim_line_id", "claim_id", "batch_id", "source_location", "line_number",
    "line_control_number", "procedure_qualifier", "procedure_code", "modifier_1", "modifier_2",
    "modifier_3", "modifier_4", "description", "charge", "unit_type", "units", "place_of_service",
    "diagnosis_pointers", "service_date", "service_date_end", "rendering_npi", "rendering_name",
    "rendering_taxonomy", "prior_authorization", "line_note",
)  # fmt: skip
REMIT = (
    "remit_id", "batch_id", "source_location", "transaction_control", "handling_code",
    "payment_amount", "credit_debit", "payment_method", "payment_date", "trace_number",
    "trace_originator", "payer_id", "payer_name", "payee_id", "payee_name", "production_date",
)  # fmt: skip
REMIT_CLAIM = (
    "remit_claim_id", "remit_id", "batch_id", "source_location", "patient_control_number",
    "status_code", "total_charge", "paid_amount", "patient_responsibility",
    "claim_filing_indicator", "payer_claim_number", "facility_code", "frequency_code",
    "is_reversal", "patient_last_name", "patient_first_name", "patient_member_id",
    "subscriber_member_id", "rendering_npi", "crossover_payer_name", "received_date",
    "statement_from", "statement_to", "coverage_amount",
)  # fmt: skip
REMIT_LINE = (
    "remit_line_id", "remit_claim_id", "batch_id", "source_location", "position",
    "procedure_qualifier", "procedure_code", "modifier_1", "modifier_2", "modifier_3",
    "modifier_4", "charge", "paid_amount", "revenue_code", "units",
    "submitted_procedure_qualifier", "submitted_procedure_code", "submitted_modifier_1",
    "submitted_modifier_2", "submitted_units", "service_date", "service_date_end",
    "line_control_number", "allowed_amount",
)  # fmt: skip
ADJUSTMENT = (
    "remit_claim_id", "remit_line_id", "batch_id", "source_location", "level", "group_code",
    "reason_code", "amount", "quantity",
)  # fmt: skip
REMARK = (
    "remit_claim_id", "remit_line_id", "batch_id", "source_location", "level", "source_segment",
    "qualifier", "code",
)  # fmt: skip
PROVIDER_ADJUSTMENT = (
    "remit_id", "batch_id", "source_location", "provider_id", "fiscal_period_date",
    "reason_code", "reference", "amount",
)  # fmt: skip

LAYOUTS: dict[str, tuple[str, ...]] = {
    "claim": CLAIM,
    "claim_line": CLAIM_LINE,
    "remit": REMIT,
    "remit_claim": REMIT_CLAIM,
    "remit_line": REMIT_LINE,
    "adjustment": ADJUSTMENT,
    "remark": REMARK,
    "provider_adjustment": PROVIDER_ADJUSTMENT,
}


@dataclass(frozen=True)
class Finding:
    """A warning (data loaded) or a reject (input quarantined). Never carries patient data."""

    location: str
    code: str
    message: str
    scope: str = ""


@dataclass
class Tally:
    """What one file contributed, for the summary and the load_batch row."""

    transactions: int = 0
    claims: int = 0
    lines: int = 0
    total_charge: Decimal = Decimal(0)
    total_paid: Decimal | None = None
    kinds: set[str] = field(default_factory=set)

    def add_paid(self, paid: Decimal) -> None:
        self.total_paid = paid if self.total_paid is None else self.total_paid + paid
