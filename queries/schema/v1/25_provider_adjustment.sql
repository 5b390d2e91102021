CREATE TABLE provider_adjustment (
    remit_id         BIGINT  NOT NULL,
    batch_id         BIGINT  NOT NULL,
    source_position  BIGINT  NOT NULL,
    provider_id      VARCHAR,
    fiscal_period_date DATE,
    reason_code      VARCHAR NOT NULL,
    reference        VARCHAR,
    amount           DECIMAL(18,2) NOT NULL
);
COMMENT ON TABLE provider_adjustment IS 'One row per PLB adjustment (reason, amount) pair: cash adjustments that are not about one claim.';
COMMENT ON COLUMN provider_adjustment.remit_id IS 'remit.remit_id of the payment.';
COMMENT ON COLUMN provider_adjustment.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN provider_adjustment.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN provider_adjustment.provider_id IS 'PLB01 provider identifier.';
COMMENT ON COLUMN provider_adjustment.fiscal_period_date IS 'PLB02 last day of the provider''s fiscal year.';
COMMENT ON COLUMN provider_adjustment.reason_code IS 'PLB03-1 adjustment reason: WO overpayment recovery, L6 interest, FB forwarding balance, 72 authorized return, ...';
COMMENT ON COLUMN provider_adjustment.reference IS 'PLB03-2 reference (often the payer claim number being recovered).';
COMMENT ON COLUMN provider_adjustment.amount IS 'Adjustment amount; positive reduces the payment, negative increases it.';
