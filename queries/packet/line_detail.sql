-- The audit packet's line detail (queries/packet.py): one row per claim line of $ids with the
-- claim as billed, what the remittances did (payer claim numbers, traces, payment dates,
-- denial reasons) and the treatment note's documentation elements found or missing.
WITH events AS (
    SELECT e.claim_line_id,
           count(*) AS remit_events,
           string_agg(DISTINCT rc.payer_claim_number, ', ') AS payer_claim_numbers,
           string_agg(DISTINCT r.trace_number, ', ') AS remit_traces,
           string_agg(DISTINCT strftime(e.payment_date, '%Y-%m-%d'), ', ') AS payment_dates,
           string_agg(DISTINCT e.remark_codes, ', ') AS remark_codes
    FROM adjudication_event e
    JOIN remit r USING (remit_id)
    JOIN remit_claim rc USING (remit_claim_id)
    WHERE list_contains($ids, e.claim_line_id)
    GROUP BY e.claim_line_id
)
SELECT a.claim_line_id, a.claim_id, a.patient_control_number, a.service_date, a.payer_id,
       a.payer_name, a.rendering_npi, a.rendering_name, a.location, a.procedure_code,
       a.modifiers, a.units, a.charge, a.net_paid, a.allowed, a.expected_allowed,
       a.patient_responsibility, a.adjudicated, a.final_denied,
       CASE WHEN a.initial_denial_carc IS NOT NULL
            THEN a.initial_denial_carc || coalesce(' ' || ic.label, '') END AS initial_denial,
       CASE WHEN a.final_denial_carc IS NOT NULL
            THEN a.final_denial_carc || coalesce(' ' || fc.label, '') END AS final_denial,
       a.overturned, a.recoded, a.adjudicated_code, a.first_remit_date,
       ev.remit_events, ev.payer_claim_numbers, ev.remit_traces, ev.payment_dates, ev.remark_codes,
       a.description, a.line_note, a.narrative_present, a.note_found, a.note_id,
       n.provider_name AS note_provider, n.credentials AS note_credentials,
       n.minutes AS note_minutes, n.signed_date AS note_signed_date,
       a.elements_present, a.documentation_complete, a.has_description, a.has_purpose,
       a.has_duration, a.has_rationale, a.has_credentials, a.has_involvement,
       a.narrative_required,
       array_to_string(list_filter(
           ['description', 'purpose', 'duration', 'rationale', 'credentials', 'involvement'],
           lambda x, i: [a.has_description, a.has_purpose, a.has_duration, a.has_rationale,
                         a.has_credentials, a.has_involvement][i]), ', ') AS elements_found,
       array_to_string(list_filter(
           ['description', 'purpose', 'duration', 'rationale', 'credentials', 'involvement'],
           lambda x, i: NOT [a.has_description, a.has_purpose, a.has_duration, a.has_rationale,
                             a.has_credentials, a.has_involvement][i]), ', ') AS elements_missing,
       concat_ws('; ',
           CASE WHEN n.has_description THEN 'description: ' || n.description_evidence END,
           CASE WHEN n.has_purpose THEN 'purpose: ' || n.purpose_evidence END,
           CASE WHEN n.has_duration THEN 'duration: ' || n.duration_evidence END,
           CASE WHEN n.has_rationale THEN 'rationale: ' || n.rationale_evidence END,
           CASE WHEN n.has_credentials THEN 'credentials: ' || n.credentials_evidence END,
           CASE WHEN n.has_involvement THEN 'involvement: ' || n.involvement_evidence END
       ) AS element_evidence
FROM line_adjudication a
LEFT JOIN events ev USING (claim_line_id)
LEFT JOIN treatment_note n ON n.note_id = a.note_id
LEFT JOIN carc_label ic ON ic.code = a.initial_denial_carc
LEFT JOIN carc_label fc ON fc.code = a.final_denial_carc
WHERE list_contains($ids, a.claim_line_id);
