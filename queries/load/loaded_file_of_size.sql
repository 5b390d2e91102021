-- Whether a file of this many bytes loaded before: only then may these bytes be a duplicate, and
-- their SHA-256 is worth computing before the file is read (else it is computed while parsing).
SELECT count(*) > 0 AS found
FROM load_batch
WHERE file_bytes = $file_bytes AND status = 'loaded';
