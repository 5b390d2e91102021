-- Every claim's rule risk score (claim_risk), for the audit packet's frame and worklist lines.
SELECT claim_id, score AS claim_score, findings AS claim_findings
FROM claim_risk;
