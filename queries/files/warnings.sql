-- Warnings raised while loading (wrong counts, unknown codes): the file loaded anyway.
SELECT w.batch_id, b.file_name, w.location, w.code, w.message
FROM load_warning w JOIN load_batch b USING (batch_id)
ORDER BY b.loaded_at DESC, w.batch_id DESC, w.location;
