CREATE TABLE mue_limit (
    batch_id                BIGINT  NOT NULL,
    source_position         BIGINT  NOT NULL,
    code                    VARCHAR NOT NULL,
    max_units               INTEGER NOT NULL,
    adjudication_indicator  VARCHAR,
    rationale               VARCHAR,
    effective_from          DATE,
    effective_to            DATE
);
COMMENT ON TABLE mue_limit IS 'CMS medically unlikely edits (MUE) for practitioner services, as supplied by the user (docs/csv-inputs.md): one row per code and effective period. Files add rows and replace nothing: the effective dates (then the latest file) decide which MUE applies to a service date.';
COMMENT ON COLUMN mue_limit.batch_id IS 'load_batch.batch_id of the MUE file.';
COMMENT ON COLUMN mue_limit.source_position IS 'Line number of the row in its CSV file.';
COMMENT ON COLUMN mue_limit.code IS 'HCPCS/CPT code the MUE applies to.';
COMMENT ON COLUMN mue_limit.max_units IS 'MUE value: most units of the code per patient and day of service.';
COMMENT ON COLUMN mue_limit.adjudication_indicator IS 'MUE adjudication indicator as supplied (1 line edit, 2 date of service edit: policy, 3 date of service edit: clinical).';
COMMENT ON COLUMN mue_limit.rationale IS 'CMS MUE rationale, as supplied.';
COMMENT ON COLUMN mue_limit.effective_from IS 'First service date the MUE applies to; NULL: from the start.';
COMMENT ON COLUMN mue_limit.effective_to IS 'Last service date the MUE applies to; NULL while in force.';
