SELECT coalesce(max(appeal_id), 0) + 1 FROM appeal;
