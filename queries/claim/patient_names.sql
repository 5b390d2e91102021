-- Every patient and subscriber name (last and first) on the given claims: the words that free
-- text (notes, NTE remarks, evidence quotes) must not show to roles that see pseudonyms.
SELECT DISTINCT name
FROM (
    SELECT unnest([patient_last_name, patient_first_name, subscriber_last_name,
                   subscriber_first_name]) AS name
    FROM claim
    WHERE list_contains($claim_ids::BIGINT[], claim_id)
)
WHERE length(trim(name)) >= 2
