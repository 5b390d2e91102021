-- An appeal already recorded with this sent date for exactly these lines (the same appeal
-- recorded twice).
SELECT a.appeal_id
FROM appeal a
JOIN appeal_line l USING (appeal_id)
WHERE a.sent_date = $sent_date
GROUP BY a.appeal_id
HAVING list_sort(list(l.claim_line_id)) = list_sort($claim_line_ids::BIGINT[])
ORDER BY a.appeal_id
LIMIT 1;
