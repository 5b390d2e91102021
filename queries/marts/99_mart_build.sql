-- Which definition of the marts the database holds, and from which data: a fingerprint of the
-- mart models and the reference lists they were built from (mart_build_source, one row), and the
-- last file loaded then. A load rebuilds the marts when the installed program's fingerprint
-- differs (an upgrade) or a file was loaded since (a load stopped before its rebuild).
CREATE OR REPLACE TABLE mart_build AS
SELECT fingerprint::VARCHAR AS fingerprint, now()::TIMESTAMP AS built_at,
       (SELECT max(batch_id) FROM load_batch WHERE status = 'loaded') AS loaded_through
FROM mart_build_source;
COMMENT ON TABLE mart_build IS 'When the marts were last rebuilt, and from which definition (a fingerprint of queries/marts/*.sql and the reference lists).';
COMMENT ON COLUMN mart_build.fingerprint IS 'SHA-256 of the mart models and reference lists used.';
COMMENT ON COLUMN mart_build.built_at IS 'When the rebuild committed (local time of the loading machine).';
COMMENT ON COLUMN mart_build.loaded_through IS 'The last load_batch loaded when the marts were built (NULL: none).';
