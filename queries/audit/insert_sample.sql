INSERT INTO audit_sample (sample_id, created_at, method, stratify_by, allocation, seed,
                          requested_size, sample_size, frame_filters, frame_size, frame_total_paid,
                          frame_fingerprint, program_version, generator, strata)
VALUES ($sample_id, $created_at, $method, $stratify_by, $allocation, $seed, $requested_size,
        $sample_size, $frame_filters, $frame_size, $frame_total_paid, $frame_fingerprint,
        $program_version, $generator, $strata);
