-- The denial model trained last.
SELECT model_id, trained_at, cutoff, first_service_date, last_service_date,
       first_adjudication_date, last_adjudication_date, lines, denials, codes, program_version,
       fingerprint, model::VARCHAR AS model
FROM denial_model
ORDER BY model_id DESC
LIMIT 1;
