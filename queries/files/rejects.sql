-- Quarantined input: what was left out of the database, where, and why.
SELECT r.batch_id, b.file_name, r.scope, r.location, r.code, r.reason
FROM reject r JOIN load_batch b USING (batch_id)
ORDER BY b.loaded_at DESC, r.batch_id DESC, r.location;
