-- The denial model's features (docs/denial-model.md) of every line of the target codes ($codes)
-- on the claims in force, adjudicated or not: line_adjudication already leaves out voided claims
-- and the lines that only bill a service again to a secondary payer (claim_line_service), so each
-- service is one row. Each feature is a plain fact about the line, 0 or 1, that a biller can
-- check on the claim or the note; the payer and the rendering provider's discipline are
-- categories. $claim_line_ids: only these lines (NULL: all).
-- The label columns (adjudicated, initial_denied, initial_denial_carc, first_remit_date) come
-- along for training; scoring ignores them.
WITH target AS (
    SELECT a.*
    FROM line_adjudication a
    WHERE list_contains($codes, upper(a.procedure_code))
      AND ($claim_line_ids IS NULL OR list_contains($claim_line_ids, a.claim_line_id))
),
-- The line as the payer first answered it: a claim corrected since (a replacement, frequency 7)
-- is in force with its new narrative or modifiers, but the first adjudication judged the version
-- sent before it. So an adjudicated line's claim-side facts come from the latest version of its
-- claim (same payer and CLM01, not a void) created on or before its first adjudication, and the
-- line of that version with the same control number (REF*6R), else the same line number; a
-- line not adjudicated yet is taken as it stands.
answered AS (
    SELECT t.claim_line_id, v.claim_id AS version_id
    FROM target t
    JOIN claim c ON c.claim_id = t.claim_id
    JOIN claim v
      ON v.payer_id IS NOT DISTINCT FROM c.payer_id
     AND v.patient_control_number = c.patient_control_number
     AND v.frequency_code IS DISTINCT FROM '8'
     AND v.created_date <= t.first_remit_date
    WHERE t.adjudicated
    QUALIFY row_number() OVER (PARTITION BY t.claim_line_id
                               ORDER BY v.created_date DESC, v.claim_id DESC) = 1
),
answered_line AS (
    SELECT a.claim_line_id, vl.claim_line_id AS sent_line_id
    FROM answered a
    JOIN claim_line cl ON cl.claim_line_id = a.claim_line_id
    JOIN claim_line vl
      ON vl.claim_id = a.version_id
     AND (vl.line_control_number = cl.line_control_number
          OR (cl.line_control_number IS NULL AND vl.line_number = cl.line_number))
    QUALIFY row_number() OVER (PARTITION BY a.claim_line_id ORDER BY vl.line_number) = 1
),
line AS (
    SELECT t.claim_line_id, t.claim_id, t.patient_control_number, t.payer_id, t.payer_name,
           upper(t.procedure_code) AS procedure_code, t.service_date,
           t.adjudicated, t.initial_denied, t.initial_denial_carc, t.first_remit_date,
           t.note_found, t.has_description, t.has_purpose, t.has_duration, t.has_rationale,
           t.has_credentials, t.has_involvement,
           coalesce(t.elements_present, 0) AS elements_present,
           coalesce(s.units, 1) AS units,
           -- the claim's narrative for the line: SV101-7 and the line NTE together
           trim(concat_ws(' ', nullif(trim(coalesce(s.description, '')), ''),
                          nullif(trim(coalesce(s.line_note, '')), ''))) AS narrative,
           nullif(trim(coalesce(s.prior_authorization, '')), '') IS NOT NULL
               OR nullif(trim(coalesce(c.prior_authorization, '')), '') IS NOT NULL
               AS has_authorization,
           list_filter([upper(trim(s.modifier_1)), upper(trim(s.modifier_2)),
                        upper(trim(s.modifier_3)), upper(trim(s.modifier_4))],
                       lambda m: m IS NOT NULL AND m <> '') AS modifier_list,
           -- the rendering provider's taxonomy, as rule_finding reads it (line or claim NM1*82,
           -- else the billing provider's)
           upper(trim(CASE WHEN s.rendering_npi IS NULL THEN c.billing_taxonomy
                           ELSE s.rendering_taxonomy END)) AS rendering_taxonomy
    FROM target t
    LEFT JOIN answered_line al USING (claim_line_id)
    JOIN claim_line s ON s.claim_line_id = coalesce(al.sent_line_id, t.claim_line_id)
    JOIN claim c ON c.claim_id = s.claim_id
),
-- The discipline of the rendering provider: the discipline modifier of the longest taxonomy
-- prefix of the rules file's [discipline_modifier_mismatch.discipline_taxonomies] that matches.
taxonomies AS (
    SELECT coalesce(any_value(discipline_taxonomies), []) AS prefixes
    FROM rule_setting WHERE rule = 'discipline_modifier_mismatch'
),
discipline AS (
    SELECT l.claim_line_id,
           list_reverse_sort(list_filter(t.prefixes,
               lambda f: starts_with(l.rendering_taxonomy, f.key)))[1].modifier AS modifier
    FROM line l, taxonomies t
    WHERE l.rendering_taxonomy IS NOT NULL
),
-- Services a narrative may name that have a code of their own: billed as an unlisted code they
-- are denied as the wrong code (CARC 189). The phrases of the narrative_names_specific_code rule
-- (the rules file), matched anywhere in the narrative of the version the payer first answered.
own_code AS (
    SELECT f.key AS pattern, f.code
    FROM (SELECT unnest(specific_services) AS f FROM rule_setting
          WHERE rule = 'narrative_names_specific_code' AND enabled)
),
same_day AS (
    SELECT DISTINCT claim_line_id FROM rule_finding WHERE rule = 'same_day_similar_code'
)
SELECT l.claim_line_id, l.claim_id, l.patient_control_number, l.payer_id, l.payer_name,
       l.procedure_code, l.service_date, l.adjudicated, l.first_remit_date,
       l.initial_denied, l.initial_denial_carc,
       coalesce(l.initial_denial_carc = '29', false) AS timely_filing_denial,
       -- categories
       coalesce(l.payer_id, '') AS payer,
       CASE d.modifier WHEN 'GP' THEN 'PT' WHEN 'GO' THEN 'OT' WHEN 'GN' THEN 'SLP'
                       ELSE 'other' END AS discipline,
       -- the note
       (NOT l.note_found)::INTEGER AS no_note,
       -- (a visit without a note lacks every element too)
       (l.elements_present < 6)::INTEGER AS note_incomplete,
       (NOT l.has_description)::INTEGER AS note_lacks_description,
       (NOT l.has_purpose)::INTEGER AS note_lacks_purpose,
       (NOT l.has_duration)::INTEGER AS note_lacks_duration,
       (NOT l.has_rationale)::INTEGER AS note_lacks_rationale,
       (NOT l.has_credentials)::INTEGER AS note_lacks_credentials,
       (NOT l.has_involvement)::INTEGER AS note_lacks_involvement,
       -- the claim's narrative: none at all, or one under 20 characters (e.g. "THERAPY")
       (l.narrative = '')::INTEGER AS no_narrative,
       (l.narrative <> '' AND length(l.narrative) < 20)::INTEGER AS short_narrative,
       EXISTS (SELECT 1 FROM own_code o WHERE contains(upper(l.narrative), o.pattern))::INTEGER
           AS narrative_names_coded_service,
       -- modifiers
       (NOT list_has_any(l.modifier_list, ['GP', 'GO', 'GN']))::INTEGER AS no_therapy_modifier,
       list_has_any(l.modifier_list, ['59', 'XE', 'XS', 'XP', 'XU'])::INTEGER
           AS distinct_modifier,
       list_has_any(l.modifier_list, ['CQ', 'CO'])::INTEGER AS assistant_modifier,
       -- units
       (coalesce(l.units, 1) >= 2)::INTEGER AS units_2_or_more,
       (coalesce(l.units, 1) >= 3)::INTEGER AS units_3_or_more,
       -- authorization and same-day codes
       (NOT l.has_authorization)::INTEGER AS no_authorization,
       (s.claim_line_id IS NOT NULL)::INTEGER AS same_day_similar_code
FROM line l
LEFT JOIN discipline d USING (claim_line_id)
LEFT JOIN same_day s USING (claim_line_id)
ORDER BY l.claim_line_id;
