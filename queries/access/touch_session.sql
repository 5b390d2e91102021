UPDATE app_session SET seen_at = :now WHERE token_hash = :token_hash
