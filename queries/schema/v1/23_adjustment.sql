CREATE TABLE adjustment (
    remit_claim_id   BIGINT  NOT NULL,
    remit_line_id    BIGINT,
    batch_id         BIGINT  NOT NULL,
    source_position  BIGINT  NOT NULL,
    level            VARCHAR NOT NULL,
    group_code       VARCHAR NOT NULL,
    reason_code      VARCHAR NOT NULL,
    amount           DECIMAL(18,2) NOT NULL,
    quantity         DECIMAL(15,3)
);
COMMENT ON TABLE adjustment IS 'One row per CAS triplet (group, reason, amount), at claim or line level.';
COMMENT ON COLUMN adjustment.remit_claim_id IS 'remit_claim.remit_claim_id.';
COMMENT ON COLUMN adjustment.remit_line_id IS 'remit_line.remit_line_id for line-level adjustments, NULL at claim level.';
COMMENT ON COLUMN adjustment.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN adjustment.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN adjustment.level IS 'claim or line.';
COMMENT ON COLUMN adjustment.group_code IS 'CO contractual, OA other, PI payer initiated, PR patient responsibility (CR in 4010).';
COMMENT ON COLUMN adjustment.reason_code IS 'CARC claim adjustment reason code.';
COMMENT ON COLUMN adjustment.amount IS 'Adjustment amount (positive reduces payment).';
COMMENT ON COLUMN adjustment.quantity IS 'Adjustment quantity (units), when given.';
