-- What the marts the database holds were built from (mart_build): the definition's fingerprint,
-- to compare with the program's, and whether every file loaded since was in.
SELECT fingerprint,
       loaded_through IS NOT DISTINCT FROM (
           SELECT max(batch_id) FROM load_batch WHERE status = 'loaded'
       ) AS has_every_file
FROM mart_build;
