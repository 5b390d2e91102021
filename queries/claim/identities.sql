-- Every claim's identities (member ids, names, birth dates): the words that free text about
-- the claim must not show to roles that see pseudonyms.
SELECT claim_id, subscriber_member_id, subscriber_last_name, subscriber_first_name,
       subscriber_birth_date, patient_last_name, patient_first_name, patient_birth_date
FROM claim
