-- The next free identifier of each table whose ids the loader hands out.
SELECT
    (SELECT coalesce(max(batch_id), 0) + 1 FROM load_batch)        AS load_batch,
    (SELECT coalesce(max(claim_id), 0) + 1 FROM claim)             AS claim,
    (SELECT coalesce(max(claim_line_id), 0) + 1 FROM claim_line)   AS claim_line,
    (SELECT coalesce(max(remit_id), 0) + 1 FROM remit)             AS remit,
    (SELECT coalesce(max(remit_claim_id), 0) + 1 FROM remit_claim) AS remit_claim,
    (SELECT coalesce(max(remit_line_id), 0) + 1 FROM remit_line)   AS remit_line,
    (SELECT coalesce(max(note_id), 0) + 1 FROM treatment_note)     AS treatment_note,
    (SELECT coalesce(max(contract_id), 0) + 1 FROM contract_rate)  AS contract_rate;
