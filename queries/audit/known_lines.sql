-- Which of the given claim line ids exist at all.
SELECT claim_line_id FROM claim_line WHERE list_contains($ids, claim_line_id);
