CREATE TABLE load_warning (
    batch_id BIGINT  NOT NULL,
    location VARCHAR NOT NULL,
    code     VARCHAR NOT NULL,
    message  VARCHAR NOT NULL
);
COMMENT ON TABLE load_warning IS 'Data-quality findings in loaded files (wrong control counts, unbalanced amounts, missing optional data). The data was loaded.';
COMMENT ON COLUMN load_warning.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN load_warning.location IS 'Where: "segment N" (1-based over the file''s segments), "row N" for CSV, or "file" (about the whole file, e.g. how many more warnings of a code were counted than listed).';
COMMENT ON COLUMN load_warning.code IS 'Stable machine-readable code, e.g. se_count, claim_unbalanced.';
COMMENT ON COLUMN load_warning.message IS 'Explanation for people; never contains patient data.';
