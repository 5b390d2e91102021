-- One audit sample's record.
SELECT sample_id, created_at, method, stratify_by, allocation, seed, requested_size, sample_size,
       frame_filters, frame_size, frame_total_paid, frame_fingerprint, program_version, generator,
       strata
FROM audit_sample
WHERE sample_id = $sample_id;
