-- Appeals the practice sent (`unlisted appeal mark`): one row per appeal, one row per line it
-- appealed. The lines are copied as they stood when the appeal was recorded (their charge,
-- denial and what was at stake), so that a later replacement claim or remittance changes
-- nothing of what was asked; queries/marts/10_appeal_outcome.sql finds each line's answer.
CREATE TABLE appeal (
    appeal_id               BIGINT    NOT NULL PRIMARY KEY,
    payer_id                VARCHAR   NOT NULL,
    patient_control_number  VARCHAR   NOT NULL,
    claim_id                BIGINT    NOT NULL,
    sent_date               DATE      NOT NULL,
    level                   VARCHAR   NOT NULL,
    note                    VARCHAR,
    recorded_at             TIMESTAMP NOT NULL
);
COMMENT ON TABLE appeal IS 'One row per appeal sent to a payer, as recorded by `unlisted appeal mark` (docs/appeals.md).';
COMMENT ON COLUMN appeal.appeal_id IS 'Identifier of the appeal (1, 2, ...).';
COMMENT ON COLUMN appeal.payer_id IS 'Payer the appeal went to (the claim''s payer).';
COMMENT ON COLUMN appeal.patient_control_number IS 'CLM01 of the appealed claim.';
COMMENT ON COLUMN appeal.claim_id IS 'claim.claim_id of the claim version in force when the appeal was recorded.';
COMMENT ON COLUMN appeal.sent_date IS 'Date the appeal was sent.';
COMMENT ON COLUMN appeal.level IS 'Appeal level, one of [appeal_letters] levels of the settings (e.g. first level).';
COMMENT ON COLUMN appeal.note IS 'Free text of the person who recorded it (PHI possible).';
COMMENT ON COLUMN appeal.recorded_at IS 'When the appeal was recorded (local time).';

CREATE TABLE appeal_line (
    appeal_id          BIGINT        NOT NULL,
    claim_line_id      BIGINT        NOT NULL,
    line_number        INTEGER       NOT NULL,
    procedure_code     VARCHAR       NOT NULL,
    service_date       DATE,
    charge             DECIMAL(18,2) NOT NULL,
    at_stake           DECIMAL(18,2) NOT NULL,
    denial_carc        VARCHAR,
    denial_category    VARCHAR,
    denial_date        DATE,
    PRIMARY KEY (appeal_id, claim_line_id)
);
COMMENT ON TABLE appeal_line IS 'One row per claim line an appeal asked about: the claim''s finally denied lines when the appeal was recorded.';
COMMENT ON COLUMN appeal_line.appeal_id IS 'appeal.appeal_id.';
COMMENT ON COLUMN appeal_line.claim_line_id IS 'The appealed line (claim_line.claim_line_id, line_adjudication.claim_line_id at the time).';
COMMENT ON COLUMN appeal_line.line_number IS 'LX line number of the line on its claim.';
COMMENT ON COLUMN appeal_line.procedure_code IS 'Billed code of the line.';
COMMENT ON COLUMN appeal_line.service_date IS 'Date of service of the line.';
COMMENT ON COLUMN appeal_line.charge IS 'Line charge.';
COMMENT ON COLUMN appeal_line.at_stake IS 'Dollars at stake when recorded: the contract''s expected allowed, else the charge (as on the appeal worklist).';
COMMENT ON COLUMN appeal_line.denial_carc IS 'Reason (CARC) of the final denial appealed.';
COMMENT ON COLUMN appeal_line.denial_category IS 'Its denial category.';
COMMENT ON COLUMN appeal_line.denial_date IS 'Payment date (BPR16) of the remittance that finally denied the line.';
