INSERT INTO app_session (token_hash, user_name, epoch, method, created_at, seen_at)
VALUES (:token_hash, :user_name, :epoch, :method, :now, :now)
