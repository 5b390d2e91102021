-- Named claim lines (a worklist's top rows) with everything people see of them.
SELECT l.*
FROM line_adjudication l
SEMI JOIN (SELECT unnest($ids) AS claim_line_id) wanted USING (claim_line_id);
