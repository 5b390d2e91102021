CREATE TABLE ncci_ptp_edit (
    batch_id            BIGINT  NOT NULL,
    source_position     BIGINT  NOT NULL,
    column1_code        VARCHAR NOT NULL,
    column2_code        VARCHAR NOT NULL,
    effective_from      DATE    NOT NULL,
    effective_to        DATE,
    modifier_indicator  TINYINT NOT NULL,
    rationale           VARCHAR
);
COMMENT ON TABLE ncci_ptp_edit IS 'CMS NCCI procedure-to-procedure (PTP) edits for practitioners, as supplied by the user (docs/csv-inputs.md): one row per code pair and effective period. Files add rows and replace nothing: several versions may be loaded, the effective dates decide which edit applies to a service date.';
COMMENT ON COLUMN ncci_ptp_edit.batch_id IS 'load_batch.batch_id of the PTP file.';
COMMENT ON COLUMN ncci_ptp_edit.source_position IS 'Line number of the row in its CSV file.';
COMMENT ON COLUMN ncci_ptp_edit.column1_code IS 'Column 1 code of the pair (the code that is paid).';
COMMENT ON COLUMN ncci_ptp_edit.column2_code IS 'Column 2 code of the pair (the code the edit denies when billed with column 1 the same day).';
COMMENT ON COLUMN ncci_ptp_edit.effective_from IS 'First service date the edit applies to (CMS Effective Date).';
COMMENT ON COLUMN ncci_ptp_edit.effective_to IS 'Last service date the edit applies to (CMS Deletion Date); NULL while in force (CMS writes *).';
COMMENT ON COLUMN ncci_ptp_edit.modifier_indicator IS '0 = the pair is never allowed together, 1 = allowed with a distinct-service modifier (59, XE, XS, XP, XU), 9 = not applicable (the edit is not in force).';
COMMENT ON COLUMN ncci_ptp_edit.rationale IS 'CMS PTP edit rationale, as supplied.';
