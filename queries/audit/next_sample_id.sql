-- The next free audit sample identifier.
SELECT coalesce(max(sample_id), 0) + 1 FROM audit_sample;
