-- The lines of the claims of the load batches $batches (the outgoing batch being checked).
SELECT l.claim_line_id
FROM claim_line l
JOIN claim c USING (claim_id)
WHERE list_contains($batches, c.batch_id)
ORDER BY l.claim_line_id;
