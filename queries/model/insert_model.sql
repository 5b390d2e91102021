-- One trained denial model (etl/models.py); its id is one more than the largest so far.
INSERT INTO denial_model (model_id, trained_at, cutoff, first_service_date, last_service_date,
                          first_adjudication_date, last_adjudication_date, lines, denials, codes,
                          program_version, fingerprint, model)
SELECT coalesce(max(model_id), 0) + 1, $trained_at, $cutoff, $first_service_date,
       $last_service_date, $first_adjudication_date, $last_adjudication_date, $lines, $denials,
       $codes, $program_version, $fingerprint, $model::JSON
FROM denial_model
RETURNING model_id;
