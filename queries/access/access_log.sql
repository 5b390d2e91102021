-- The access log, newest first, optionally one event kind and one user. detail_text is the
-- detail (JSON) as one line to read: "export: lines · codes: 97139 · ...".
SELECT id, at, event, user_name, roles, address, detail, row_count, previous_hash, hash,
       CASE WHEN json_valid(detail) AND json_type(detail) = 'object' THEN (
           SELECT group_concat(j.key || ': ' || CASE WHEN j.type = 'array'
                      THEN (SELECT group_concat(a.value, ', ') FROM json_each(j.value) a)
                      ELSE j.value END, ' · ')
           FROM json_each(access_log.detail) j)
       ELSE detail END AS detail_text
FROM access_log
WHERE (:event IS NULL OR event = :event)
  AND (:user_name IS NULL OR user_name = :user_name)
ORDER BY id DESC
LIMIT :row_limit
