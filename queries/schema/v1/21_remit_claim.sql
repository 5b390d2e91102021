CREATE TABLE remit_claim (
    remit_claim_id          BIGINT  NOT NULL,
    remit_id                BIGINT  NOT NULL,
    batch_id                BIGINT  NOT NULL,
    source_position         BIGINT  NOT NULL,
    patient_control_number  VARCHAR NOT NULL,
    status_code             VARCHAR NOT NULL,
    total_charge            DECIMAL(18,2) NOT NULL,
    paid_amount             DECIMAL(18,2) NOT NULL,
    patient_responsibility  DECIMAL(18,2),
    claim_filing_indicator  VARCHAR,
    payer_claim_number      VARCHAR,
    facility_code           VARCHAR,
    frequency_code          VARCHAR,
    is_reversal             BOOLEAN NOT NULL,
    patient_last_name       VARCHAR,
    patient_first_name      VARCHAR,
    patient_member_id       VARCHAR,
    subscriber_member_id    VARCHAR,
    rendering_npi           VARCHAR,
    crossover_payer_name    VARCHAR,
    received_date           DATE,
    statement_from          DATE,
    statement_to            DATE,
    coverage_amount         DECIMAL(18,2)
);
COMMENT ON TABLE remit_claim IS 'One row per 835 claim payment (2100 CLP).';
COMMENT ON COLUMN remit_claim.remit_claim_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN remit_claim.remit_id IS 'remit.remit_id of the payment.';
COMMENT ON COLUMN remit_claim.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN remit_claim.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN remit_claim.patient_control_number IS 'CLP01, equal to the 837 CLM01.';
COMMENT ON COLUMN remit_claim.status_code IS 'CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 19-21 processed and forwarded, 22 reversal, 23 not our claim.';
COMMENT ON COLUMN remit_claim.total_charge IS 'CLP03 charge (negative in a reversal).';
COMMENT ON COLUMN remit_claim.paid_amount IS 'CLP04 payment (negative in a reversal).';
COMMENT ON COLUMN remit_claim.patient_responsibility IS 'CLP05 patient responsibility.';
COMMENT ON COLUMN remit_claim.claim_filing_indicator IS 'CLP06 (MB, CI, MC, ...).';
COMMENT ON COLUMN remit_claim.payer_claim_number IS 'CLP07 payer claim control number (ICN).';
COMMENT ON COLUMN remit_claim.facility_code IS 'CLP08 place of service / facility type.';
COMMENT ON COLUMN remit_claim.frequency_code IS 'CLP09 claim frequency.';
COMMENT ON COLUMN remit_claim.is_reversal IS 'TRUE when CLP02 = 22 (reversal of a previous payment).';
COMMENT ON COLUMN remit_claim.patient_last_name IS 'NM1*QC NM103 (PHI).';
COMMENT ON COLUMN remit_claim.patient_first_name IS 'NM1*QC NM104 (PHI).';
COMMENT ON COLUMN remit_claim.patient_member_id IS 'NM1*QC NM109 (PHI).';
COMMENT ON COLUMN remit_claim.subscriber_member_id IS 'NM1*IL NM109 (PHI).';
COMMENT ON COLUMN remit_claim.rendering_npi IS 'NM1*82 NM109 rendering provider.';
COMMENT ON COLUMN remit_claim.crossover_payer_name IS 'NM1*TT NM103: payer the claim was forwarded to.';
COMMENT ON COLUMN remit_claim.received_date IS 'DTM*050 date the payer received the claim.';
COMMENT ON COLUMN remit_claim.statement_from IS 'DTM*232 claim statement period start.';
COMMENT ON COLUMN remit_claim.statement_to IS 'DTM*233 claim statement period end.';
COMMENT ON COLUMN remit_claim.coverage_amount IS 'AMT*AU coverage amount.';
