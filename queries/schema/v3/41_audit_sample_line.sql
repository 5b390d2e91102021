CREATE TABLE audit_sample_line (
    sample_id        BIGINT        NOT NULL,
    claim_line_id    BIGINT        NOT NULL,
    stratum          VARCHAR,
    selection_order  INTEGER       NOT NULL,
    paid_amount      DECIMAL(18,2) NOT NULL,
    PRIMARY KEY (sample_id, claim_line_id)
);
COMMENT ON TABLE audit_sample_line IS 'One row per claim line drawn into an audit sample.';
COMMENT ON COLUMN audit_sample_line.sample_id IS 'audit_sample.sample_id.';
COMMENT ON COLUMN audit_sample_line.claim_line_id IS 'The sampled claim line (claim_line.claim_line_id, line_adjudication.claim_line_id).';
COMMENT ON COLUMN audit_sample_line.stratum IS 'Stratum of the line (see audit_sample.strata); NULL in an unrestricted sample.';
COMMENT ON COLUMN audit_sample_line.selection_order IS 'Order in which the line was selected (1 = first), within the whole sample.';
COMMENT ON COLUMN audit_sample_line.paid_amount IS 'Net paid on the line when the sample was drawn: the amount the review compares the audited amount with.';
