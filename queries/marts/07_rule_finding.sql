-- rule_finding: the billing rule checks (rule_setting, docs/rule-checks.md) on every line of a
-- target code in the claims in force: one row per line and rule that fires, with what was seen.
-- "Same patient" = the same subscriber member id, patient name and birth date (or the same claim).
-- Cost: linear in the lines, whatever their shape (issue 16: one patient with thousands of lines on
-- one day). No step pairs a line with the other lines of its patient-day: each patient-day is
-- summed up once, and each line joins that summary. So evidence names at most 10 other lines
-- (same_day_similar_code, ptp_never_allowed: by code, then line; minutes_units_mismatch: the
-- visit's billed lines, by code, then line) and counts the rest: "and N more lines".
CREATE OR REPLACE TABLE rule_finding AS
WITH line AS (
    SELECT a.claim_line_id, a.claim_id, a.patient_control_number, a.payer_id, a.payer_name,
           upper(a.procedure_code) AS procedure_code, a.description, a.line_note, a.units,
           a.charge, a.service_date, a.recoded, a.adjudicated_code, a.note_id, a.note_found,
           a.has_description, a.has_purpose, a.has_duration, a.has_rationale, a.has_credentials,
           a.has_involvement, a.elements_present, a.adjudicated, a.adjudications,
           a.initial_denial_carc, a.allowed, a.expected_allowed, cl.line_number,
           cl.prior_authorization AS line_prior_authorization,
           c.prior_authorization AS claim_prior_authorization,
           upper(trim(c.claim_filing_indicator)) AS filing_code,
           -- the rendering provider: the line's or claim's NM1*82, else the billing provider
           coalesce(cl.rendering_npi, c.billing_npi) AS rendering_key,
           upper(trim(CASE WHEN cl.rendering_npi IS NULL THEN c.billing_taxonomy
                           ELSE cl.rendering_taxonomy END)) AS rendering_taxonomy,
           list_filter([upper(a.modifier_1), upper(a.modifier_2), upper(a.modifier_3),
                        upper(a.modifier_4)], lambda m: m IS NOT NULL) AS modifier_list,
           -- the patient: member id, name and birth date; without a member id, the claim alone
           coalesce(CASE WHEN c.subscriber_member_id IS NOT NULL THEN concat_ws('|',
               c.subscriber_member_id, upper(coalesce(c.patient_last_name, '')),
               upper(coalesce(c.patient_first_name, '')),
               coalesce(c.patient_birth_date::VARCHAR, '')) END,
               'claim ' || a.claim_id) AS patient_key,
           CASE WHEN a.units = trunc(a.units) THEN a.units::BIGINT::VARCHAR
                ELSE a.units::DOUBLE::VARCHAR END AS units_text
    FROM line_adjudication a
    JOIN claim c USING (claim_id)
    JOIN claim_line cl USING (claim_line_id)
),
target AS (
    SELECT * FROM line WHERE procedure_code IN (SELECT upper(code) FROM rule_target_code_source)
),
setting AS (
    SELECT * FROM rule_setting WHERE enabled
),
missing_narrative AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           'no SV101-7 description and no line note on ' || t.procedure_code || ' (claim '
           || t.patient_control_number || ' line ' || t.line_number || ')' AS evidence
    FROM target t JOIN setting s ON s.rule = 'missing_narrative'
    WHERE nullif(trim(coalesce(t.description, '')), '') IS NULL
      AND nullif(trim(coalesce(t.line_note, '')), '') IS NULL
),
-- The narrative names a service that has a code of its own (of several phrases found, the first
-- by key).
narrative_service AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           concat_ws(' ', t.description, t.line_note) AS narrative,
           list_sort(list_filter(s.specific_services, lambda f: contains(
               upper(concat_ws(' ', t.description, t.line_note)), f.key)))[1] AS fact
    FROM target t JOIN setting s ON s.rule = 'narrative_names_specific_code'
),
narrative_names_specific_code AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           'the narrative "' || left(narrative, 80) || '" names ' || lower(fact.key)
           || ', which has a code of its own: ' || fact.code || ' (' || fact.text || ')'
               AS evidence
    FROM narrative_service
    WHERE fact IS NOT NULL
),
missing_therapy_modifier AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           'modifiers on the line: '
           || CASE WHEN len(t.modifier_list) = 0 THEN 'none'
                   ELSE array_to_string(t.modifier_list, ':') END
           || '; no ' || array_to_string(s.therapy_modifiers, '/') AS evidence
    FROM target t JOIN setting s ON s.rule = 'missing_therapy_modifier'
    WHERE NOT list_has_any(t.modifier_list, s.therapy_modifiers)
),
-- The discipline of the rendering provider, from the longest taxonomy prefix that matches (of
-- prefixes that all match one code, the longest sorts last).
discipline AS (
    SELECT t.claim_line_id, t.claim_id, t.modifier_list, t.rendering_taxonomy, s.rule,
           s.severity, s.weight, s.discipline_modifiers,
           list_reverse_sort(list_filter(s.discipline_taxonomies,
               lambda f: starts_with(t.rendering_taxonomy, f.key)))[1] AS fact
    FROM target t JOIN setting s ON s.rule = 'discipline_modifier_mismatch'
    WHERE t.rendering_taxonomy IS NOT NULL
),
discipline_modifier_mismatch AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           array_to_string(list_filter(modifier_list,
               lambda m: list_contains(discipline_modifiers, m)), ':')
           || ' on the line; the rendering provider''s taxonomy ' || rendering_taxonomy || ' ('
           || fact.text || ') calls for ' || fact.modifier AS evidence
    FROM discipline
    WHERE fact IS NOT NULL
      AND list_has_any(modifier_list,
                       list_filter(discipline_modifiers, lambda m: m <> fact.modifier))
),
-- Who furnished the service, when an assistant did: the rendering provider's taxonomy, else the
-- credential of the note's signer (as exported, else in the signature the note reader found).
assistant AS (
    SELECT t.claim_line_id, t.claim_id, t.modifier_list, t.rendering_taxonomy, s.rule,
           s.severity, s.weight,
           list_reverse_sort(list_filter(s.assistant_taxonomies,
               lambda f: starts_with(t.rendering_taxonomy, f.key)))[1] AS by_taxonomy,
           list_filter(s.assistant_credentials,
                       lambda f: upper(trim(n.credentials)) = f.key)[1] AS by_export,
           list_filter(s.assistant_credentials,
                       lambda f: regexp_matches(upper(coalesce(n.credentials_evidence, '')),
                                                '(^|[^A-Z/])' || f.key || '([^A-Z/]|$)'))[1]
               AS by_signature,
           n.credentials_evidence
    FROM target t
    JOIN setting s ON s.rule = 'assistant_without_modifier'
    LEFT JOIN treatment_note n ON n.note_id = t.note_id
),
assistant_without_modifier AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           CASE WHEN by_taxonomy IS NOT NULL
                THEN 'the rendering provider''s taxonomy ' || rendering_taxonomy || ' is an '
                     || 'assistant''s (' || by_taxonomy.text || ')'
                WHEN by_export IS NOT NULL
                THEN 'the notes file gives the note''s signer as ' || by_export.key
                ELSE 'the note is signed by an assistant ("' || left(credentials_evidence, 80)
                     || '")' END
           || '; no ' || coalesce(by_taxonomy, by_export, by_signature).modifier
           || ' on the line (modifiers: '
           || CASE WHEN len(modifier_list) = 0 THEN 'none'
                   ELSE array_to_string(modifier_list, ':') END || ')' AS evidence
    FROM assistant
    WHERE coalesce(by_taxonomy, by_export, by_signature) IS NOT NULL
      AND NOT list_contains(modifier_list, coalesce(by_taxonomy, by_export, by_signature).modifier)
),
-- The same-day rules pair codes of one patient, date and rendering provider, as NCCI edits do:
-- the lines of such a day are read once for each target code billed that day (of the few
-- [metrics] codes), NCCI edits looked up once per pair of codes billed on a date, and each
-- target line joins one summary row of its day.
-- The target codes billed on each patient-provider-day.
day_target_code AS (
    SELECT DISTINCT patient_key, service_date, rendering_key, procedure_code AS target_code
    FROM target
),
-- Each line of a patient-provider-day on which a target code is billed, once per such target
-- code (the target line itself included: it is taken out per target line below).
day_line AS (
    SELECT d.target_code, o.patient_key, o.service_date, o.rendering_key, o.claim_line_id,
           o.procedure_code, o.modifier_list, o.patient_control_number, o.line_number
    FROM day_target_code d
    JOIN line o USING (patient_key, service_date, rendering_key)
),
-- NCCI PTP edits that involve a target code, the pair in either column order.
ptp AS (
    SELECT least(upper(column1_code), upper(column2_code)) AS low_code,
           greatest(upper(column1_code), upper(column2_code)) AS high_code,
           upper(column1_code) AS column1_code, upper(column2_code) AS column2_code,
           effective_from, effective_to, modifier_indicator, batch_id, source_position
    FROM ncci_ptp_edit
    WHERE upper(column1_code) IN (SELECT upper(code) FROM rule_target_code_source)
       OR upper(column2_code) IN (SELECT upper(code) FROM rule_target_code_source)
),
-- The edit in force for each pair of a target code and a code billed the same day, on that date:
-- of several versions loaded, the one that took effect last (then the file loaded last).
day_pair_ptp AS (
    SELECT d.service_date, d.target_code, d.other_code, p.modifier_indicator,
           'NCCI PTP edit ' || p.column1_code || '/' || p.column2_code
           || ' (modifier indicator ' || p.modifier_indicator || ')' AS ptp_edit
    FROM (SELECT DISTINCT service_date, target_code, procedure_code AS other_code
          FROM day_line) d
    JOIN ptp p
      ON p.low_code = least(d.target_code, d.other_code)
     AND p.high_code = greatest(d.target_code, d.other_code)
     AND p.effective_from <= d.service_date
     AND (p.effective_to IS NULL OR d.service_date <= p.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY d.service_date, d.target_code, d.other_code
        ORDER BY p.effective_from DESC, p.batch_id DESC, p.source_position DESC) = 1
),
-- The lines that count against the day's lines of a target code, per rule: same_day_similar_code,
-- a similar code or a pair with modifier indicator 1, without a distinct-service modifier;
-- ptp_never_allowed, a pair with modifier indicator 0. seen: the line as the evidence names it,
-- with why the code is similar.
day_other AS (
    SELECT s.rule, d.patient_key, d.service_date, d.rendering_key, d.target_code,
           d.claim_line_id AS other_line_id, d.procedure_code AS other_code,
           d.procedure_code || ' on ' || strftime(d.service_date, '%Y-%m-%d')
           || ' for the same patient and rendering provider (claim ' || d.patient_control_number
           || ' line ' || d.line_number || ')'
           || CASE WHEN s.rule = 'same_day_similar_code' AND why.text IS NOT NULL
                   THEN ', ' || why.text ELSE '' END
           || CASE WHEN p.modifier_indicator = 1 OR s.rule = 'ptp_never_allowed'
                   THEN ', ' || p.ptp_edit ELSE '' END AS seen
    FROM day_line d
    LEFT JOIN day_pair_ptp p
      ON p.service_date = d.service_date
     AND p.target_code = d.target_code
     AND p.other_code = d.procedure_code
    JOIN setting s
      ON (s.rule = 'same_day_similar_code'
          AND (list_contains(list_transform(s.similar_codes, lambda f: f.key), d.procedure_code)
               OR p.modifier_indicator = 1)
          AND NOT list_has_any(d.modifier_list, s.distinct_modifiers))
      OR (s.rule = 'ptp_never_allowed' AND p.modifier_indicator = 0)
    LEFT JOIN LATERAL (
        SELECT list_filter(s.similar_codes, lambda f: f.key = d.procedure_code)[1].text AS text
    ) why ON true
),
-- Per rule, patient-provider-day and target code: how many lines count, and the first 11 of them
-- (by code, then line): a target line that is itself among them leaves 10 to show.
day_summary AS (
    SELECT rule, patient_key, service_date, rendering_key, target_code, count(*) AS others,
           list({'line': other_line_id, 'seen': seen} ORDER BY other_code, other_line_id)[1:11]
               AS first_seen
    FROM day_other
    GROUP BY rule, patient_key, service_date, rendering_key, target_code
),
-- Each target line and what counts against it: its day's summary, less the line itself.
same_day_seen AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight, s.distinct_modifiers,
           d.others - (me.other_line_id IS NOT NULL)::INTEGER AS others,
           list_transform(list_filter(d.first_seen, lambda x: x.line <> t.claim_line_id)[1:10],
                          lambda x: x.seen) AS shown
    FROM target t
    JOIN setting s ON s.rule IN ('same_day_similar_code', 'ptp_never_allowed')
    JOIN day_summary d
      ON d.rule = s.rule
     AND d.patient_key = t.patient_key
     AND d.service_date = t.service_date
     AND d.rendering_key = t.rendering_key
     AND d.target_code = t.procedure_code
    LEFT JOIN day_other me
      ON me.rule = s.rule
     AND me.other_line_id = t.claim_line_id
     AND me.target_code = t.procedure_code
    WHERE s.rule = 'ptp_never_allowed' OR NOT list_has_any(t.modifier_list, s.distinct_modifiers)
),
same_day_evidence AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           array_to_string(shown, '; ')
           || CASE WHEN others > len(shown)
                   THEN '; and ' || (others - len(shown)) || ' more lines' ELSE '' END
           || CASE rule WHEN 'same_day_similar_code'
                        THEN '; no ' || array_to_string(distinct_modifiers, '/')
                             || ' modifier on either line'
                        ELSE ': never allowed together, whatever the modifiers' END AS evidence
    FROM same_day_seen
    WHERE others > 0
),
-- Units of each target code per patient-day, over all claims.
day_units AS (
    SELECT patient_key, service_date, procedure_code, sum(units) AS units, count(*) AS lines,
           count(DISTINCT claim_id) AS claims
    FROM target
    GROUP BY patient_key, service_date, procedure_code
),
-- The MUE of each target code in force on each date it is billed (the one that took effect
-- last, then the file loaded last).
day_mue AS (
    SELECT d.procedure_code, d.service_date, m.max_units, m.adjudication_indicator
    FROM (SELECT DISTINCT procedure_code, service_date FROM target) d
    JOIN mue_limit m
      ON upper(m.code) = d.procedure_code
     AND (m.effective_from IS NULL OR m.effective_from <= d.service_date)
     AND (m.effective_to IS NULL OR d.service_date <= m.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY d.procedure_code, d.service_date
        ORDER BY m.effective_from DESC NULLS LAST, m.batch_id DESC, m.source_position DESC) = 1
),
-- The daily limit of each line: the MUE in force, else the code's entry in the rules file;
-- neither: no limit is known and the line is not checked.
day_limit AS (
    SELECT t.claim_line_id, t.claim_id, t.procedure_code, t.service_date, s.rule, s.severity,
           s.weight, u.units, u.lines, u.claims, m.max_units AS mue_units,
           m.adjudication_indicator,
           list_filter(s.daily_limits, lambda f: f.key = t.procedure_code)[1] AS fact
    FROM target t
    JOIN setting s ON s.rule = 'units_above_daily_max'
    JOIN day_units u
      ON u.patient_key = t.patient_key
     AND u.service_date = t.service_date
     AND u.procedure_code = t.procedure_code
    LEFT JOIN day_mue m
      ON m.procedure_code = t.procedure_code
     AND m.service_date = t.service_date
),
units_above_daily_max AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           format('{} units of {} on {} for the same patient ({} line(s) on {} claim(s)), '
                  || 'above the daily limit of {}', trim_units(units), procedure_code,
                  strftime(service_date, '%Y-%m-%d'), lines, claims,
                  trim_units(coalesce(mue_units, fact.units)))
           || CASE WHEN mue_units IS NOT NULL
                   THEN ' (MUE ' || mue_units || CASE WHEN mue_units = 1 THEN ' unit'
                                                     ELSE ' units' END
                        || coalesce(', adjudication indicator ' || adjudication_indicator, '')
                        || ')'
                   ELSE ' (' || fact.text || ')' END AS evidence
    FROM day_limit
    WHERE units > coalesce(mue_units, fact.units)
),
-- Payers whose own answers show that they want an authorization for a target code: of the
-- lines sent without REF*G1 that they answered, the share first denied for authorization.
authorization_evidence AS (
    SELECT t.payer_id, t.procedure_code, any_value(t.payer_name) AS payer_name,
           count(*) AS answered,
           count(*) FILTER (WHERE list_contains(s.authorization_carcs,
                                                upper(t.initial_denial_carc))) AS denied,
           min(t.service_date) AS first_date, max(t.service_date) AS last_date,
           any_value(s.learn_min_lines) AS min_lines, any_value(s.learn_min_share) AS min_share,
           array_to_string(any_value(s.authorization_carcs), '/') AS carcs
    FROM target t JOIN setting s ON s.rule = 'missing_prior_authorization'
    WHERE s.learn_from_remittances
      AND t.adjudications > 0
      AND nullif(trim(coalesce(t.line_prior_authorization, '')), '') IS NULL
      AND nullif(trim(coalesce(t.claim_prior_authorization, '')), '') IS NULL
    GROUP BY t.payer_id, t.procedure_code
),
authorization_learned AS (
    SELECT payer_id, procedure_code,
           coalesce(payer_name, payer_id) || ' denied ' || denied || ' of ' || answered || ' '
           || procedure_code || ' lines sent without an authorization number for missing '
           || 'authorization (CARC ' || carcs || '), ' || strftime(first_date, '%Y-%m-%d')
           || ' to ' || strftime(last_date, '%Y-%m-%d') AS shown
    FROM authorization_evidence
    WHERE answered >= min_lines AND denied >= min_share * answered
),
missing_prior_authorization AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           coalesce('payer ' || coalesce(t.payer_name, t.payer_id) || ' requires prior '
                    || 'authorization (' || listed.text || ')', learned.shown)
           || '; no REF*G1 on the claim or the line' AS evidence
    FROM target t
    JOIN setting s ON s.rule = 'missing_prior_authorization'
    LEFT JOIN authorization_learned learned
      ON learned.payer_id = t.payer_id AND learned.procedure_code = t.procedure_code
    LEFT JOIN LATERAL (
        SELECT list_filter(s.payers_requiring_auth, lambda f: f.key = upper(t.payer_id))[1].text
            AS text
    ) listed ON true
    WHERE (listed.text IS NOT NULL OR learned.shown IS NOT NULL)
      AND nullif(trim(coalesce(t.line_prior_authorization, '')), '') IS NULL
      AND nullif(trim(coalesce(t.claim_prior_authorization, '')), '') IS NULL
),
documentation AS (
    SELECT t.*, s.rule, s.severity, s.weight,
           list_filter(s.elements, lambda e: NOT list_contains(
               list_filter(['description', 'purpose', 'duration', 'rationale', 'credentials',
                            'involvement'],
                           lambda x, i: [t.has_description, t.has_purpose, t.has_duration,
                                         t.has_rationale, t.has_credentials,
                                         t.has_involvement][i]), e)) AS missing
    FROM target t JOIN setting s ON s.rule = 'missing_documentation'
),
missing_documentation AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           CASE WHEN NOT note_found
                THEN 'no treatment note for claim ' || patient_control_number || ' on '
                     || strftime(service_date, '%Y-%m-%d')
                ELSE 'the note of ' || strftime(service_date, '%Y-%m-%d') || ' lacks '
                     || array_to_string(missing, ', ') || ' (' || elements_present
                     || ' of 6 elements found)' END AS evidence
    FROM documentation
    WHERE NOT note_found OR len(missing) > 0
),
late_signature AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           CASE WHEN n.signed_date IS NULL
                THEN 'the note of ' || strftime(t.service_date, '%Y-%m-%d') || ' has no signed date'
                ELSE 'the note of ' || strftime(t.service_date, '%Y-%m-%d') || ' was signed '
                     || strftime(n.signed_date, '%Y-%m-%d') || ', '
                     || date_diff('day', t.service_date, n.signed_date)
                     || ' days after the visit (at most ' || s.max_sign_days || ')' END AS evidence
    FROM target t
    JOIN setting s ON s.rule = 'late_signature'
    JOIN treatment_note n ON n.note_id = t.note_id
    WHERE (n.signed_date IS NULL AND s.flag_unsigned)
       OR date_diff('day', t.service_date, n.signed_date) > s.max_sign_days
),
-- Each line's timing from the rules file: true (timed), false (untimed) or NULL (not known).
line_timing AS (
    SELECT l.*, list_filter(s.timing, lambda f: f.key = l.procedure_code)[1] AS timing
    FROM line l JOIN setting s ON s.rule = 'minutes_units_mismatch'
),
-- The timed units billed at each visit (same claim and date), and whether every code billed
-- is known to be timed (then a note's total minutes are all timed minutes).
visit_units AS (
    SELECT patient_control_number, service_date,
           coalesce(sum(units) FILTER (WHERE timing.timed), 0) AS timed_units,
           bool_and(coalesce(timing.timed, false)) AS all_timed,
           array_to_string(list(procedure_code || ' x' || units_text
                                ORDER BY procedure_code, claim_line_id)
                               FILTER (WHERE timing.timed)[1:10], ', ')
           || CASE WHEN count(*) FILTER (WHERE timing.timed) > 10
                   THEN ', and ' || (count(*) FILTER (WHERE timing.timed) - 10) || ' more lines'
                   ELSE '' END AS billed
    FROM line_timing
    GROUP BY patient_control_number, service_date
),
visit_minutes AS (
    SELECT t.claim_line_id, t.claim_id, t.procedure_code, t.service_date, s.rule, s.severity,
           s.weight, s.minutes_per_unit, s.min_minutes_last_unit, v.timed_units, v.billed,
           coalesce(n.timed_minutes, CASE WHEN v.all_timed THEN n.minutes END) AS minutes,
           n.timed_minutes IS NULL AS minutes_are_total,
           lt.timing.text AS timing_source
    FROM target t
    JOIN line_timing lt USING (claim_line_id)
    JOIN setting s ON s.rule = 'minutes_units_mismatch'
    JOIN treatment_note n ON n.note_id = t.note_id
    JOIN visit_units v
      ON v.patient_control_number = t.patient_control_number
     AND v.service_date = t.service_date
    WHERE lt.timing.timed
),
minutes_units_mismatch AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           format('the note documents {} {}minutes, which support {} timed unit(s) under the '
                  || '8-minute rule ({} minutes a unit, a last unit from {}); billed {} timed '
                  || 'unit(s) on {}: {} ({} timed: {})',
                  minutes, CASE WHEN minutes_are_total THEN 'treatment ' ELSE 'timed ' END,
                  (minutes + minutes_per_unit - min_minutes_last_unit) // minutes_per_unit,
                  minutes_per_unit, min_minutes_last_unit, trim_units(timed_units),
                  strftime(service_date, '%Y-%m-%d'), billed, procedure_code, timing_source)
               AS evidence
    FROM visit_minutes
    WHERE minutes IS NOT NULL
      AND timed_units > (minutes + minutes_per_unit - min_minutes_last_unit) // minutes_per_unit
),
-- The Medicare therapy threshold: each Medicare Part B therapy line of a patient, in a calendar
-- year and bucket (GP/GN together, GO apart), adds its allowed amount from the 835 (0 when
-- denied), else its expected allowed, else its charge, in date order; ytd is the running sum
-- with the line itself.
therapy_line AS (
    SELECT l.claim_line_id, l.claim_id, l.procedure_code, l.patient_key, l.service_date,
           l.patient_control_number, l.line_number, l.modifier_list,
           year(l.service_date) AS service_year,
           CASE WHEN list_has_any(l.modifier_list, ['GP', 'GN'])
                     AND NOT list_contains(l.modifier_list, 'GO') THEN 'PT and SLP'
                WHEN list_contains(l.modifier_list, 'GO')
                     AND NOT list_has_any(l.modifier_list, ['GP', 'GN']) THEN 'OT' END AS bucket,
           CASE WHEN l.adjudicated THEN coalesce(l.allowed, 0)
                ELSE coalesce(l.expected_allowed, l.charge) END AS amount
    FROM line l
    WHERE list_contains((SELECT any_value(medicare_filing_codes) FROM rule_setting
                         WHERE rule = 'therapy_threshold_no_kx'), l.filing_code)
),
therapy_ytd AS (
    SELECT *,
           sum(amount) OVER (PARTITION BY patient_key, service_year, bucket
                             ORDER BY service_date, patient_control_number, line_number,
                                      claim_line_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ytd
    FROM therapy_line
    WHERE bucket IS NOT NULL
),
therapy_threshold AS (
    SELECT y.claim_line_id, y.claim_id, y.bucket, y.service_year, y.ytd,
           list_contains(y.modifier_list, 'KX') AS has_kx, s.rule, s.severity, s.weight,
           list_filter(s.thresholds, lambda f: f.key = y.service_year::VARCHAR)[1] AS fact
    FROM therapy_ytd y
    JOIN setting s ON s.rule IN ('therapy_threshold_no_kx', 'kx_below_threshold')
    WHERE y.procedure_code IN (SELECT upper(code) FROM rule_target_code_source)
),
therapy_threshold_kx AS (
    SELECT claim_line_id, claim_id, rule, severity, weight,
           format('Medicare therapy ({}) for this patient in {} reaches ${} with this line '
                  || '(allowed amounts from the 835, else expected, else charges), {} the '
                  || '${} threshold ({}); {}',
                  bucket, service_year, format('{:,.2f}', ytd),
                  CASE WHEN ytd > fact.amount THEN 'past' ELSE 'at or under' END,
                  format('{:,.2f}', fact.amount), fact.text,
                  CASE WHEN has_kx THEN 'KX on the line' ELSE 'no KX on the line' END)
               AS evidence
    FROM therapy_threshold
    WHERE fact IS NOT NULL
      AND ((rule = 'therapy_threshold_no_kx' AND ytd > fact.amount AND NOT has_kx)
           OR (rule = 'kx_below_threshold' AND ytd <= fact.amount AND has_kx))
),
recoded_by_payer AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           'the payer adjudicated ' || coalesce(t.adjudicated_code, 'another code')
           || ' instead of the billed ' || t.procedure_code || ' (SVC06)' AS evidence
    FROM target t JOIN setting s ON s.rule = 'recoded_by_payer'
    WHERE t.recoded
)
SELECT claim_line_id, claim_id, rule, severity, weight, evidence FROM missing_narrative
UNION ALL BY NAME SELECT * FROM narrative_names_specific_code
UNION ALL BY NAME SELECT * FROM missing_therapy_modifier
UNION ALL BY NAME SELECT * FROM discipline_modifier_mismatch
UNION ALL BY NAME SELECT * FROM assistant_without_modifier
UNION ALL BY NAME SELECT * FROM same_day_evidence
UNION ALL BY NAME SELECT * FROM units_above_daily_max
UNION ALL BY NAME SELECT * FROM missing_prior_authorization
UNION ALL BY NAME SELECT * FROM missing_documentation
UNION ALL BY NAME SELECT * FROM late_signature
UNION ALL BY NAME SELECT * FROM minutes_units_mismatch
UNION ALL BY NAME SELECT * FROM therapy_threshold_kx
UNION ALL BY NAME SELECT * FROM recoded_by_payer
ORDER BY claim_id, claim_line_id, rule;
COMMENT ON TABLE rule_finding IS 'Billing rule findings: one row per line of a target code (claims in force) and rule of rule_setting that fired on it, with what was seen (docs/rule-checks.md).';
COMMENT ON COLUMN rule_finding.claim_line_id IS 'claim_line.claim_line_id of the line checked.';
COMMENT ON COLUMN rule_finding.claim_id IS 'claim.claim_id of its claim.';
COMMENT ON COLUMN rule_finding.rule IS 'rule_setting.rule that fired.';
COMMENT ON COLUMN rule_finding.severity IS 'high, medium or low, from the rules file.';
COMMENT ON COLUMN rule_finding.weight IS 'Weight of the severity in the claim risk score.';
COMMENT ON COLUMN rule_finding.evidence IS 'What was seen, concretely (codes, dates, modifiers, minutes and units), so a reviewer can check the finding.';
