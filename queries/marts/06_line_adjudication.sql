-- line_adjudication: one row per claim line of the claims in force (voids left out, and lines
-- that only bill a service again to a secondary payer left out: claim_line_service), with what
-- the remittances did to it. Metric definitions: docs/numbers.md.
-- Settling: the claim's payer's adjudications (adjudication_event.answer) settle a line;
-- duplicate-claim and pended answers do not, and each reversal cancels the latest adjudication
-- before it that still stands. A line with no standing adjudication is pending. Its initial
-- outcome is its first adjudication, its latest outcome the latest one that stands.
CREATE OR REPLACE TABLE line_adjudication AS
WITH primary_events AS (
    SELECT *,
           sum(paid) OVER (PARTITION BY claim_line_id ORDER BY event_order) AS paid_so_far,
           -- +1 per adjudication, -1 per reversal: an adjudication stands while the running
           -- balance never falls below its own value afterwards.
           sum(CASE answer WHEN 'adjudication' THEN 1 WHEN 'reversal' THEN -1 ELSE 0 END)
               OVER (PARTITION BY claim_line_id ORDER BY event_order) AS balance,
           -- The fields of one adjudication together: arg_min of each field alone would skip an
           -- event whose value is NULL (one without remark codes) and take a later event's.
           {'denied': denied, 'carc': denial_carc, 'grp': denial_group,
            'category': denial_category, 'remarks': remark_codes,
            'date': payment_date} AS adjudication
    FROM adjudication_event
    WHERE NOT is_secondary
),
standing AS (
    SELECT *,
           settles AND balance <= min(balance) OVER (
               PARTITION BY claim_line_id ORDER BY event_order
               ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS stands
    FROM primary_events
),
outcome_events AS (
    SELECT claim_line_id,
           count(*) FILTER (WHERE settles) AS adjudications,
           count(*) FILTER (WHERE stands) AS standing,
           count(*) FILTER (WHERE is_reversal) AS reversals,
           count(*) FILTER (WHERE answer = 'duplicate') AS duplicate_answers,
           count(*) FILTER (WHERE answer = 'pended') AS pended_answers,
           min(payment_date) FILTER (WHERE settles) AS first_remit_date,
           max(payment_date) AS latest_remit_date,
           arg_min(adjudication, event_order) FILTER (WHERE settles) AS initial,
           arg_max(adjudication, event_order) FILTER (WHERE stands) AS latest,
           sum(paid) AS primary_paid,
           sum(allowed) FILTER (WHERE settles OR is_reversal) AS allowed,
           sum(patient_resp) FILTER (WHERE settles OR is_reversal) AS patient_responsibility,
           bool_or(recoded) AS recoded,
           arg_max(adjudicated_code, event_order) FILTER (WHERE recoded) AS adjudicated_code,
           min(payment_date) FILTER (WHERE paid_so_far > 0) AS first_paid_date
    FROM standing
    GROUP BY claim_line_id
),
outcomes AS (
    SELECT * EXCLUDE (initial, latest),
           standing > 0 AS settled,
           initial.denied AS initial_denied, initial.carc AS initial_carc,
           initial.grp AS initial_group, initial.category AS initial_category,
           initial.remarks AS initial_remarks,
           latest.denied AS latest_denied, latest.carc AS latest_carc,
           latest.grp AS latest_group, latest.category AS latest_category,
           latest.remarks AS latest_remarks, latest.date AS latest_adjudication_date
    FROM outcome_events
),
secondary AS (
    SELECT claim_line_id, sum(paid) AS secondary_paid
    FROM adjudication_event
    WHERE is_secondary
    GROUP BY claim_line_id
),
contract AS (
    SELECT l.claim_line_id, k.method, k.amount, comparator.amount AS comparator_amount,
           row_number() OVER (
               PARTITION BY l.claim_line_id
               ORDER BY (k.modifier IS NOT NULL) DESC, k.effective_from DESC, k.contract_id DESC
           ) AS preference
    FROM claim_line l
    JOIN claim_in_force f USING (claim_id)
    JOIN contract_rate k
      ON k.payer_id = f.payer_id
     AND k.code = l.procedure_code
     AND (k.modifier IS NULL OR k.modifier IN (l.modifier_1, l.modifier_2, l.modifier_3, l.modifier_4))
     AND l.service_date BETWEEN k.effective_from AND coalesce(k.effective_to, DATE '9999-12-31')
    LEFT JOIN contract_rate comparator
      ON k.method = 'comparator'
     AND comparator.payer_id = k.payer_id
     AND comparator.code = k.comparator_code
     AND comparator.method = 'fixed'
     AND comparator.modifier IS NULL
     AND l.service_date BETWEEN comparator.effective_from
                            AND coalesce(comparator.effective_to, DATE '9999-12-31')
),
note AS (
    SELECT *, row_number() OVER (PARTITION BY patient_control_number, service_date
                                 ORDER BY note_id DESC) AS latest
    FROM treatment_note
),
lines AS (
    SELECT l.*, c.patient_control_number, c.payer_id, c.payer_name, c.frequency_code,
           c.created_date, coalesce(c.service_facility_name, c.billing_name) AS location,
           c.payer_responsibility
    FROM claim_line l
    JOIN claim_in_force f USING (claim_id)
    JOIN claim_line_service s USING (claim_line_id)
    JOIN claim c USING (claim_id)
    WHERE NOT f.voided AND NOT s.billed_again
)
SELECT
    l.claim_line_id, l.claim_id, l.patient_control_number, l.payer_id, l.payer_name,
    l.rendering_npi, l.rendering_name, l.location, l.procedure_code,
    l.modifier_1, l.modifier_2, l.modifier_3, l.modifier_4,
    concat_ws(':', l.modifier_1, l.modifier_2, l.modifier_3, l.modifier_4) AS modifiers,
    l.description, l.line_note, l.charge, coalesce(l.units, 1) AS units, l.service_date,
    date_trunc('month', l.service_date)::DATE AS service_month, l.created_date, l.frequency_code,
    coalesce(o.settled, false) AS adjudicated,
    NOT coalesce(o.settled, false) AS pending,
    coalesce(o.adjudications, 0) AS adjudications, coalesce(o.reversals, 0) AS reversals,
    coalesce(o.duplicate_answers, 0) AS duplicate_answers,
    coalesce(o.pended_answers, 0) AS pended_answers,
    CASE WHEN o.settled THEN o.first_remit_date END AS first_remit_date, o.latest_remit_date,
    coalesce(o.settled AND o.initial_denied, false) AS initial_denied,
    CASE WHEN o.settled AND o.initial_denied THEN o.initial_carc END AS initial_denial_carc,
    CASE WHEN o.settled AND o.initial_denied THEN o.initial_group END AS initial_denial_group,
    CASE WHEN o.settled AND o.initial_denied THEN o.initial_category END
        AS initial_denial_category,
    o.initial_remarks AS initial_remark_codes,
    coalesce(o.latest_denied AND o.primary_paid = 0 AND o.patient_responsibility = 0, false)
        AS final_denied,
    CASE WHEN o.latest_denied AND o.primary_paid = 0 THEN o.latest_carc END AS final_denial_carc,
    CASE WHEN o.latest_denied AND o.primary_paid = 0 THEN o.latest_group END AS final_denial_group,
    CASE WHEN o.latest_denied AND o.primary_paid = 0 THEN o.latest_category END
        AS final_denial_category,
    CASE WHEN o.latest_denied AND o.primary_paid = 0 THEN o.latest_adjudication_date END
        AS final_denial_date,
    o.latest_remarks AS latest_remark_codes,
    coalesce(o.settled AND o.initial_denied AND o.adjudications > 1, false) AS reanswered,
    coalesce(o.settled AND o.initial_denied AND o.adjudications > 1 AND o.primary_paid > 0, false)
        AS overturned,
    coalesce(o.settled AND o.initial_denied AND o.primary_paid > 0, false) AS recovered,
    coalesce(o.primary_paid, 0) + coalesce(s.secondary_paid, 0) AS net_paid,
    coalesce(o.primary_paid, 0) AS primary_paid,
    coalesce(s.secondary_paid, 0) AS secondary_paid,
    o.allowed, o.patient_responsibility, coalesce(o.recoded, false) AS recoded,
    o.adjudicated_code,
    k.method AS contract_method,
    k.method IS NOT NULL AS has_contract,
    round(CASE k.method
              WHEN 'fixed' THEN k.amount * coalesce(l.units, 1)
              WHEN 'percent' THEN k.amount * l.charge
              WHEN 'comparator' THEN k.comparator_amount * coalesce(l.units, 1)
          END, 2)::DECIMAL(18, 2) AS expected_allowed,
    CASE WHEN o.settled THEN date_diff('day', l.service_date, o.first_remit_date) END
        AS days_to_adjudication,
    date_diff('day', l.service_date, o.first_paid_date) AS days_to_payment,
    o.first_paid_date IS NOT NULL AS ever_paid,
    n.note_id IS NOT NULL AS note_found,
    coalesce(n.has_description, false) AS has_description,
    coalesce(n.has_purpose, false) AS has_purpose,
    coalesce(n.has_duration, false) AS has_duration,
    coalesce(n.has_rationale, false) AS has_rationale,
    coalesce(n.has_credentials, false) AS has_credentials,
    coalesce(n.has_involvement, false) AS has_involvement,
    coalesce(n.elements_present, 0) AS elements_present,
    l.description IS NOT NULL OR l.line_note IS NOT NULL AS narrative_present,
    l.procedure_code IN (SELECT code FROM narrative_code_source) AS narrative_required,
    coalesce(n.elements_present, 0) = 6
        AND (l.description IS NOT NULL OR l.line_note IS NOT NULL
             OR l.procedure_code NOT IN (SELECT code FROM narrative_code_source))
        AS documentation_complete,
    n.note_id
FROM lines l
LEFT JOIN outcomes o USING (claim_line_id)
LEFT JOIN secondary s USING (claim_line_id)
LEFT JOIN contract k ON k.claim_line_id = l.claim_line_id AND k.preference = 1
LEFT JOIN note n
  ON n.patient_control_number = l.patient_control_number
 AND n.service_date = l.service_date
 AND n.latest = 1;
COMMENT ON TABLE line_adjudication IS 'One row per claim line of the claims in force (voids left out): what the remittances did to it. The figures of every page and export come from here (docs/numbers.md).';
COMMENT ON COLUMN line_adjudication.claim_line_id IS 'claim_line.claim_line_id.';
COMMENT ON COLUMN line_adjudication.claim_id IS 'claim.claim_id.';
COMMENT ON COLUMN line_adjudication.patient_control_number IS 'CLM01.';
COMMENT ON COLUMN line_adjudication.payer_id IS 'Payer of the claim.';
COMMENT ON COLUMN line_adjudication.payer_name IS 'Payer name.';
COMMENT ON COLUMN line_adjudication.rendering_npi IS 'Rendering provider of the line (line, else claim level).';
COMMENT ON COLUMN line_adjudication.rendering_name IS 'Rendering provider name.';
COMMENT ON COLUMN line_adjudication.location IS 'Service facility name, else billing provider.';
COMMENT ON COLUMN line_adjudication.procedure_code IS 'Billed code.';
COMMENT ON COLUMN line_adjudication.modifier_1 IS 'First modifier.';
COMMENT ON COLUMN line_adjudication.modifier_2 IS 'Second modifier.';
COMMENT ON COLUMN line_adjudication.modifier_3 IS 'Third modifier.';
COMMENT ON COLUMN line_adjudication.modifier_4 IS 'Fourth modifier.';
COMMENT ON COLUMN line_adjudication.modifiers IS 'Modifiers joined with '':''.';
COMMENT ON COLUMN line_adjudication.description IS 'SV101-7 narrative.';
COMMENT ON COLUMN line_adjudication.line_note IS 'Line NTE.';
COMMENT ON COLUMN line_adjudication.charge IS 'Line charge.';
COMMENT ON COLUMN line_adjudication.units IS 'Units (1 when absent).';
COMMENT ON COLUMN line_adjudication.service_date IS 'Date of service.';
COMMENT ON COLUMN line_adjudication.service_month IS 'First day of the service month.';
COMMENT ON COLUMN line_adjudication.created_date IS 'BHT04 of the claim file.';
COMMENT ON COLUMN line_adjudication.frequency_code IS '1 original, 7 replacement.';
COMMENT ON COLUMN line_adjudication.adjudicated IS 'Settled: an adjudication by the claim''s payer stands (duplicate-claim and pended answers do not settle, a reversal cancels the adjudication it reverses).';
COMMENT ON COLUMN line_adjudication.pending IS 'Billed, not settled: no answer yet, only pended or duplicate-claim answers, or a payment reversed with no correction yet (open A/R).';
COMMENT ON COLUMN line_adjudication.adjudications IS 'Adjudications by the claim''s payer, standing or reversed (not counting reversals, duplicate-claim and pended answers).';
COMMENT ON COLUMN line_adjudication.duplicate_answers IS 'Duplicate-claim answers (CARC 18, nothing paid) by the claim''s payer: not adjudications.';
COMMENT ON COLUMN line_adjudication.pended_answers IS 'Pended answers (CARC 133 alone, nothing paid) by the claim''s payer: not adjudications.';
COMMENT ON COLUMN line_adjudication.reversals IS 'Reversal events (CLP02 22).';
COMMENT ON COLUMN line_adjudication.first_remit_date IS 'Payment date (BPR16) of the first adjudication; NULL while pending.';
COMMENT ON COLUMN line_adjudication.latest_remit_date IS 'Date of the latest remittance event.';
COMMENT ON COLUMN line_adjudication.initial_denied IS 'Denied at the first adjudication.';
COMMENT ON COLUMN line_adjudication.initial_denial_carc IS 'Primary denial reason at the first adjudication.';
COMMENT ON COLUMN line_adjudication.initial_denial_group IS 'Its group code.';
COMMENT ON COLUMN line_adjudication.initial_denial_category IS 'Its category.';
COMMENT ON COLUMN line_adjudication.initial_remark_codes IS 'Remark codes of the first adjudication.';
COMMENT ON COLUMN line_adjudication.final_denied IS 'The latest net adjudication is a denial (nothing paid, no patient share).';
COMMENT ON COLUMN line_adjudication.final_denial_carc IS 'Primary denial reason of the latest adjudication, when finally denied.';
COMMENT ON COLUMN line_adjudication.final_denial_group IS 'Its group code.';
COMMENT ON COLUMN line_adjudication.final_denial_category IS 'Its category.';
COMMENT ON COLUMN line_adjudication.latest_remark_codes IS 'Remark codes of the latest adjudication.';
COMMENT ON COLUMN line_adjudication.overturned IS 'Denied at first, adjudicated again (appeal, reopening or corrected claim) and then paid: the numerator of the overturn rate.';
COMMENT ON COLUMN line_adjudication.reanswered IS 'Denied at first and adjudicated again later: the denominator of the overturn rate.';
COMMENT ON COLUMN line_adjudication.recovered IS 'Denied at first and paid since, by any route: the numerator of the recovery rate.';
COMMENT ON COLUMN line_adjudication.final_denial_date IS 'Payment date (BPR16) of the remittance that finally denied the line: the appeal window counts from it.';
COMMENT ON COLUMN line_adjudication.net_paid IS 'Net paid on the line by all payers after reversals.';
COMMENT ON COLUMN line_adjudication.primary_paid IS 'Net paid by the claim''s payer.';
COMMENT ON COLUMN line_adjudication.secondary_paid IS 'Paid by secondary payers.';
COMMENT ON COLUMN line_adjudication.allowed IS 'Net allowed by the claim''s payer (actual allowed, latest net).';
COMMENT ON COLUMN line_adjudication.patient_responsibility IS 'Net patient share set by the claim''s payer.';
COMMENT ON COLUMN line_adjudication.recoded IS 'The payer recoded the line (SVC06).';
COMMENT ON COLUMN line_adjudication.adjudicated_code IS 'The code the payer paid instead.';
COMMENT ON COLUMN line_adjudication.contract_method IS 'fixed, percent or comparator; NULL without contract.';
COMMENT ON COLUMN line_adjudication.has_contract IS 'A contract_rate applies (payer, billed code, modifier, service date).';
COMMENT ON COLUMN line_adjudication.expected_allowed IS 'Allowed amount the contract calls for.';
COMMENT ON COLUMN line_adjudication.days_to_adjudication IS 'Days from the service date to the first adjudication (pended and duplicate-claim answers do not count); NULL while pending.';
COMMENT ON COLUMN line_adjudication.days_to_payment IS 'Date of the first remittance after which the line''s net paid is above 0, minus service date.';
COMMENT ON COLUMN line_adjudication.ever_paid IS 'The line''s net paid was above 0 at some point.';
COMMENT ON COLUMN line_adjudication.note_found IS 'A treatment note with the same claim and date of service exists.';
COMMENT ON COLUMN line_adjudication.has_description IS 'Note element 1 present.';
COMMENT ON COLUMN line_adjudication.has_purpose IS 'Note element 2 present.';
COMMENT ON COLUMN line_adjudication.has_duration IS 'Note element 3 present.';
COMMENT ON COLUMN line_adjudication.has_rationale IS 'Note element 4 present.';
COMMENT ON COLUMN line_adjudication.has_credentials IS 'Note element 5 present.';
COMMENT ON COLUMN line_adjudication.has_involvement IS 'Note element 6 present.';
COMMENT ON COLUMN line_adjudication.elements_present IS 'How many of the six elements the note has.';
COMMENT ON COLUMN line_adjudication.narrative_present IS 'The claim carries a narrative for the line (SV101-7 or line NTE).';
COMMENT ON COLUMN line_adjudication.narrative_required IS 'The code needs a narrative on the claim (an unlisted code: [documentation] narrative_codes of the settings).';
COMMENT ON COLUMN line_adjudication.documentation_complete IS 'All six elements, and the narrative where the code needs one.';
COMMENT ON COLUMN line_adjudication.note_id IS 'treatment_note.note_id of the note used.';
