-- The schema version of this database: 0 when it was never migrated.
SELECT coalesce(max(version), 0)
FROM schema_version;
