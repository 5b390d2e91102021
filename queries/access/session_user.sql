-- The user behind a session that is still open: not ended, the user still there and unchanged
-- since the sign-in, seen recently enough and not older than the longest session.
SELECT u.name, u.roles, s.method, s.seen_at
FROM app_session s
JOIN app_user u ON u.name = s.user_name AND u.epoch = s.epoch
WHERE s.token_hash = :token_hash
  AND s.ended_at IS NULL
  AND s.seen_at >= :idle_since
  AND s.created_at >= :created_since
