-- The whole log in order, to check its hash chain.
SELECT id, at, event, user_name, roles, address, detail, row_count, previous_hash, hash
FROM access_log
ORDER BY id
