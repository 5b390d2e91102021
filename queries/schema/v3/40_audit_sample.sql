CREATE TABLE audit_sample (
    sample_id         BIGINT        NOT NULL PRIMARY KEY,
    created_at        TIMESTAMP     NOT NULL,
    method            VARCHAR       NOT NULL,
    stratify_by       VARCHAR,
    allocation        VARCHAR,
    seed              BIGINT        NOT NULL,
    requested_size    INTEGER       NOT NULL,
    sample_size       INTEGER       NOT NULL,
    frame_filters     VARCHAR       NOT NULL,
    frame_size        BIGINT        NOT NULL,
    frame_total_paid  DECIMAL(18,2) NOT NULL,
    frame_fingerprint VARCHAR       NOT NULL,
    program_version   VARCHAR       NOT NULL,
    generator         VARCHAR       NOT NULL,
    strata            VARCHAR
);
COMMENT ON TABLE audit_sample IS 'One row per audit sample drawn by `unlisted sample draw`: its frame, seed, method and program version, everything needed to draw it again.';
COMMENT ON COLUMN audit_sample.sample_id IS 'Identifier of the sample (1, 2, ...).';
COMMENT ON COLUMN audit_sample.created_at IS 'When the sample was drawn (local time).';
COMMENT ON COLUMN audit_sample.method IS 'unrestricted (simple random sample without replacement) or stratified.';
COMMENT ON COLUMN audit_sample.stratify_by IS 'For stratified samples: payer, provider or paid (paid-amount strata); NULL otherwise.';
COMMENT ON COLUMN audit_sample.allocation IS 'For stratified samples: proportional or equal allocation of the sample size to the strata.';
COMMENT ON COLUMN audit_sample.seed IS 'Seed of the random number generator (numpy PCG64).';
COMMENT ON COLUMN audit_sample.requested_size IS 'Sample size asked for.';
COMMENT ON COLUMN audit_sample.sample_size IS 'Lines drawn (the requested size, or the frame size when the frame is smaller).';
COMMENT ON COLUMN audit_sample.frame_filters IS 'The filters that define the frame (JSON: codes, start, end, basis, payers, providers, locations, modifiers); the frame is the line_adjudication lines they select, ordered by claim_line_id.';
COMMENT ON COLUMN audit_sample.frame_size IS 'Lines in the frame when the sample was drawn.';
COMMENT ON COLUMN audit_sample.frame_total_paid IS 'Net paid over the frame when the sample was drawn.';
COMMENT ON COLUMN audit_sample.frame_fingerprint IS 'sha256 of the frame (claim_line_id and net paid of every line, in order): a changed frame can be detected.';
COMMENT ON COLUMN audit_sample.program_version IS 'unlisted version that drew the sample.';
COMMENT ON COLUMN audit_sample.generator IS 'Random number generator and selection rule, with the numpy version.';
COMMENT ON COLUMN audit_sample.strata IS 'For stratified samples, the strata (JSON): name, rule (payer, provider or paid range), frame lines and paid, sample size; NULL otherwise.';
