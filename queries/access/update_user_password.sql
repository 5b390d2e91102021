UPDATE app_user
SET password_hash = :password_hash, changed_at = :now, epoch = epoch + :end_sessions
WHERE name = :name
