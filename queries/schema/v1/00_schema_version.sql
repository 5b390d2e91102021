CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER   NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
COMMENT ON TABLE schema_version IS 'One row per schema migration applied by the program; max(version) is the current schema.';
COMMENT ON COLUMN schema_version.version IS 'Migration number (the folder name under queries/schema/).';
COMMENT ON COLUMN schema_version.applied_at IS 'When the migration ran (UTC).';
