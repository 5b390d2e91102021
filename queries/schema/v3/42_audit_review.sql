CREATE TABLE audit_review (
    sample_id       BIGINT        NOT NULL,
    claim_line_id   BIGINT        NOT NULL,
    audited_amount  DECIMAL(18,2) NOT NULL,
    in_error        BOOLEAN       NOT NULL,
    note            VARCHAR,
    reviewed_at     TIMESTAMP     NOT NULL,
    PRIMARY KEY (sample_id, claim_line_id)
);
COMMENT ON TABLE audit_review IS 'Review result of a sampled claim line (`unlisted sample review`); importing a line again replaces its result.';
COMMENT ON COLUMN audit_review.sample_id IS 'audit_sample.sample_id.';
COMMENT ON COLUMN audit_review.claim_line_id IS 'The reviewed line (audit_sample_line.claim_line_id).';
COMMENT ON COLUMN audit_review.audited_amount IS 'What the reviewer finds should have been paid on the line; overpayment = paid_amount - audited_amount.';
COMMENT ON COLUMN audit_review.in_error IS 'True when the audited amount differs from the paid amount (an error for attribute appraisal).';
COMMENT ON COLUMN audit_review.note IS 'Reviewer note (free text).';
COMMENT ON COLUMN audit_review.reviewed_at IS 'When the result was imported (local time).';
