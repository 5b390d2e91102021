-- Short labels of the claim adjustment reason codes (docs/denial-categories.md), written by the project:
-- queries/reference/carc.csv, or carc.csv in the folder named by $UNLISTED_REFERENCE_DIR
-- (registered as carc_label_source). The official descriptions belong to X12/WPC.
CREATE OR REPLACE TABLE carc_label AS
SELECT code::VARCHAR AS code, label::VARCHAR AS label
FROM carc_label_source;
COMMENT ON TABLE carc_label IS 'Short labels of claim adjustment reason codes (CARC), written by the project, not the official X12/WPC descriptions; from queries/reference/carc.csv, or carc.csv in the folder named by $UNLISTED_REFERENCE_DIR, which replaces it without a code change.';
COMMENT ON COLUMN carc_label.code IS 'Claim adjustment reason code (CAS reason, e.g. 16, 189, B7).';
COMMENT ON COLUMN carc_label.label IS 'Short label for people.';
