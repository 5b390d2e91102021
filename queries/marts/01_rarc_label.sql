-- Short labels of the remittance advice remark codes (docs/denial-categories.md), written by the project:
-- queries/reference/rarc.csv, or rarc.csv in the folder named by $UNLISTED_REFERENCE_DIR
-- (registered as rarc_label_source). The official descriptions belong to X12/WPC.
CREATE OR REPLACE TABLE rarc_label AS
SELECT code::VARCHAR AS code, label::VARCHAR AS label
FROM rarc_label_source;
COMMENT ON TABLE rarc_label IS 'Short labels of remittance advice remark codes (RARC), written by the project, not the official X12/WPC descriptions; from queries/reference/rarc.csv, or rarc.csv in the folder named by $UNLISTED_REFERENCE_DIR, which replaces it without a code change.';
COMMENT ON COLUMN rarc_label.code IS 'Remittance advice remark code (LQ*HE, MOA or MIA, e.g. N350, M127).';
COMMENT ON COLUMN rarc_label.label IS 'Short label for people.';
