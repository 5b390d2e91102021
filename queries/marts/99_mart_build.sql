-- Which definition of the marts the database holds: a fingerprint of the mart models and the
-- reference lists they were built from (mart_build_source, one row). A load rebuilds the marts
-- when the installed program's fingerprint differs, e.g. after an upgrade.
CREATE OR REPLACE TABLE mart_build AS
SELECT fingerprint::VARCHAR AS fingerprint, now()::TIMESTAMP AS built_at
FROM mart_build_source;
COMMENT ON TABLE mart_build IS 'When the marts were last rebuilt, and from which definition (a fingerprint of queries/marts/*.sql and the reference lists).';
COMMENT ON COLUMN mart_build.fingerprint IS 'SHA-256 of the mart models and reference lists used.';
COMMENT ON COLUMN mart_build.built_at IS 'When the rebuild committed (local time of the loading machine).';
