CREATE TABLE remark (
    remit_claim_id   BIGINT  NOT NULL,
    remit_line_id    BIGINT,
    batch_id         BIGINT  NOT NULL,
    source_position  BIGINT  NOT NULL,
    level            VARCHAR NOT NULL,
    source_segment   VARCHAR NOT NULL,
    qualifier        VARCHAR,
    code             VARCHAR NOT NULL
);
COMMENT ON TABLE remark IS 'One row per remittance advice remark code (RARC) at claim (MOA/MIA) or line (LQ) level.';
COMMENT ON COLUMN remark.remit_claim_id IS 'remit_claim.remit_claim_id.';
COMMENT ON COLUMN remark.remit_line_id IS 'remit_line.remit_line_id for line remarks, NULL at claim level.';
COMMENT ON COLUMN remark.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN remark.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN remark.level IS 'claim or line.';
COMMENT ON COLUMN remark.source_segment IS 'LQ, MOA or MIA (CSV for CSV input).';
COMMENT ON COLUMN remark.qualifier IS 'LQ01: HE remark code, RX NCPDP reject code; NULL for MOA/MIA.';
COMMENT ON COLUMN remark.code IS 'Remark code, e.g. N350, M127.';
