UPDATE app_session SET ended_at = :now WHERE token_hash = :token_hash AND ended_at IS NULL
