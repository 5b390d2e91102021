-- Denial categories (docs/denial-categories.md) from the editable reference file
-- (queries/reference/denial_category.csv, or denial_category.csv in the folder named by
-- $UNLISTED_REFERENCE_DIR; registered as denial_category_source); CARCs not listed are not
-- denials (contractual reductions, patient shares, informational codes).
CREATE OR REPLACE TABLE denial_category AS
SELECT carc::VARCHAR AS carc, category::VARCHAR AS category,
       category_label::VARCHAR AS category_label, is_denial::BOOLEAN AS is_denial
FROM denial_category_source;
COMMENT ON TABLE denial_category IS 'Denial categories of CARCs (docs/denial-categories.md), from queries/reference/denial_category.csv, or denial_category.csv in the folder named by $UNLISTED_REFERENCE_DIR, which replaces it without a code change.';
COMMENT ON COLUMN denial_category.carc IS 'Claim adjustment reason code.';
COMMENT ON COLUMN denial_category.category IS 'Category key (documentation, medical_necessity, authorization, bundling, ...).';
COMMENT ON COLUMN denial_category.category_label IS 'Category name for people.';
COMMENT ON COLUMN denial_category.is_denial IS 'Whether a CO/OA/PI adjustment with this CARC makes a zero pay a denial (duplicates and pending are not).';
