-- The earlier load of a file with these bytes, if any loaded successfully.
SELECT batch_id, file_name, strftime(loaded_at, '%Y-%m-%d %H:%M') AS loaded_at, kind
FROM load_batch
WHERE sha256 = $sha256 AND status = 'loaded'
ORDER BY batch_id
LIMIT 1;
