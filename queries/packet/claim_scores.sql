-- Every claim's rule risk (claim_risk): severity score, findings, dollars at risk and place in the
-- worklist, for the audit packet's frame and worklist lines.
SELECT claim_id, score AS claim_score, findings AS claim_findings,
       dollars_at_risk AS claim_dollars_at_risk, worklist_rank
FROM claim_risk;
