-- A file tried again replaces its earlier rejected attempts: one outcome per file content.
DELETE FROM reject
WHERE batch_id IN (SELECT batch_id FROM load_batch WHERE sha256 = $sha256 AND status = 'rejected');
