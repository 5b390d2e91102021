CREATE TABLE reject (
    batch_id BIGINT  NOT NULL,
    location VARCHAR NOT NULL,
    scope    VARCHAR NOT NULL,
    code     VARCHAR NOT NULL,
    reason   VARCHAR NOT NULL
);
COMMENT ON TABLE reject IS 'Quarantined input: what could not be loaded and why. Holds no raw patient data.';
COMMENT ON COLUMN reject.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN reject.location IS '"segment N" (1-based over the file''s segments), "rows N-M" for CSV, or "file".';
COMMENT ON COLUMN reject.scope IS 'What was left out: file, transaction (an ST/SE set), claim, or rows.';
COMMENT ON COLUMN reject.code IS 'Stable machine-readable code, e.g. bad_segment_id, bad_amount, se_control_number.';
COMMENT ON COLUMN reject.reason IS 'What is wrong and what to do, for people.';
