DELETE FROM app_session WHERE seen_at < :before
