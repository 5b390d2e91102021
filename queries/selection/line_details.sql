-- Named claim lines (a worklist's top rows) with everything people see of them.
SELECT * FROM line_adjudication WHERE list_contains($ids, claim_line_id);
