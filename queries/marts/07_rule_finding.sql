-- rule_finding: the billing rule checks (rule_setting, README "Rule checks") on every line of a
-- target code in the claims in force: one row per line and rule that fires, with what was seen.
-- "Same patient" = the same subscriber member id, patient name and birth date (or the same claim).
-- Cost: linear in the lines, whatever their shape (issue 16: one patient with thousands of lines on
-- one day). No step pairs a line with the other lines of its patient-day: each patient-day is
-- summed up once, and each line joins that summary. So evidence names at most 10 other lines
-- (same_day_similar_code, ptp_never_allowed: by code, then line; minutes_units_mismatch: the
-- visit's billed lines, by code, then line) and counts the rest: "and N more lines".
CREATE OR REPLACE TABLE rule_finding AS
WITH line AS (
    SELECT a.claim_line_id, a.claim_id, a.patient_control_number, a.payer_id,
           upper(a.procedure_code) AS procedure_code, a.description, a.line_note, a.units,
           a.service_date, a.recoded, a.adjudicated_code, a.note_id, a.note_found,
           a.has_description, a.has_purpose, a.has_duration, a.has_rationale, a.has_credentials,
           a.has_involvement, a.elements_present, cl.line_number,
           cl.prior_authorization AS line_prior_authorization,
           c.prior_authorization AS claim_prior_authorization,
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
missing_therapy_modifier AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           'modifiers on the line: '
           || CASE WHEN len(t.modifier_list) = 0 THEN 'none'
                   ELSE array_to_string(t.modifier_list, ':') END
           || '; no ' || array_to_string(s.therapy_modifiers, '/') AS evidence
    FROM target t JOIN setting s ON s.rule = 'missing_therapy_modifier'
    WHERE NOT list_has_any(t.modifier_list, s.therapy_modifiers)
),
-- The same-day rules: the lines of a patient-day are read once for each target code billed that
-- day (of the few [metrics] codes), NCCI edits looked up once per pair of codes billed on a date,
-- and each target line joins one summary row of its day.
-- The target codes billed on each patient-day.
day_target_code AS (
    SELECT DISTINCT patient_key, service_date, procedure_code AS target_code
    FROM target
),
-- Each line of a patient-day on which a target code is billed, once per such target code (the
-- target line itself included: it is taken out per target line below).
day_line AS (
    SELECT d.target_code, o.patient_key, o.service_date, o.claim_line_id, o.procedure_code,
           o.modifier_list, o.patient_control_number, o.line_number
    FROM day_target_code d
    JOIN line o USING (patient_key, service_date)
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
-- ptp_never_allowed, a pair with modifier indicator 0. seen: the line as the evidence names it.
day_other AS (
    SELECT s.rule, d.patient_key, d.service_date, d.target_code,
           d.claim_line_id AS other_line_id, d.procedure_code AS other_code,
           d.procedure_code || ' on ' || strftime(d.service_date, '%Y-%m-%d')
           || ' for the same patient (claim ' || d.patient_control_number || ' line '
           || d.line_number || ')'
           || CASE WHEN p.modifier_indicator = 1 OR s.rule = 'ptp_never_allowed'
                   THEN ', ' || p.ptp_edit ELSE '' END AS seen
    FROM day_line d
    LEFT JOIN day_pair_ptp p
      ON p.service_date = d.service_date
     AND p.target_code = d.target_code
     AND p.other_code = d.procedure_code
    JOIN setting s
      ON (s.rule = 'same_day_similar_code'
          AND (list_contains(s.similar_codes, d.procedure_code) OR p.modifier_indicator = 1)
          AND NOT list_has_any(d.modifier_list, s.distinct_modifiers))
      OR (s.rule = 'ptp_never_allowed' AND p.modifier_indicator = 0)
),
-- Per rule, patient-day and target code: how many lines count, and the first 11 of them (by code,
-- then line): a target line that is itself among them leaves 10 to show.
day_summary AS (
    SELECT rule, patient_key, service_date, target_code, count(*) AS others,
           list({'line': other_line_id, 'seen': seen} ORDER BY other_code, other_line_id)[1:11]
               AS first_seen
    FROM day_other
    GROUP BY rule, patient_key, service_date, target_code
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
                        THEN ', no ' || array_to_string(distinct_modifiers, '/')
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
-- last, then the file loaded last); none: the rules file's max_units_per_day applies.
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
units_above_daily_max AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           format('{:g} units of {} on {} for the same patient ({} line(s) on {} claim(s)), '
                  || 'above the daily maximum of {:g}',
                  u.units::DOUBLE, t.procedure_code, strftime(t.service_date, '%Y-%m-%d'),
                  u.lines, u.claims, coalesce(m.max_units, s.max_units_per_day)::DOUBLE)
           || CASE WHEN m.max_units IS NULL THEN ''
                   ELSE ' (MUE ' || m.max_units || CASE WHEN m.max_units = 1 THEN ' unit'
                                                       ELSE ' units' END
                        || coalesce(', adjudication indicator ' || m.adjudication_indicator, '')
                        || ')' END AS evidence
    FROM target t
    JOIN setting s ON s.rule = 'units_above_daily_max'
    JOIN day_units u
      ON u.patient_key = t.patient_key
     AND u.service_date = t.service_date
     AND u.procedure_code = t.procedure_code
    LEFT JOIN day_mue m
      ON m.procedure_code = t.procedure_code
     AND m.service_date = t.service_date
    WHERE u.units > coalesce(m.max_units, s.max_units_per_day)
),
missing_prior_authorization AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           'payer ' || t.payer_id || ' requires prior authorization; no REF*G1 on the claim or '
           || 'the line' AS evidence
    FROM target t JOIN setting s ON s.rule = 'missing_prior_authorization'
    WHERE list_contains(s.payers_requiring_auth, upper(t.payer_id))
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
                     || (n.signed_date - t.service_date) || ' days after the visit (at most '
                     || s.max_sign_days || ')' END AS evidence
    FROM target t
    JOIN setting s ON s.rule = 'late_signature'
    JOIN treatment_note n ON n.note_id = t.note_id
    WHERE (n.signed_date IS NULL AND s.flag_unsigned)
       OR n.signed_date - t.service_date > s.max_sign_days
),
visit_units AS (
    SELECT l.patient_control_number, l.service_date, sum(l.units) AS timed_units,
           array_to_string(list(l.procedure_code || ' x' || l.units_text
                                ORDER BY l.procedure_code, l.claim_line_id)[1:10], ', ')
           || CASE WHEN count(*) > 10 THEN ', and ' || (count(*) - 10) || ' more lines'
                   ELSE '' END AS billed
    FROM line l JOIN setting s ON s.rule = 'minutes_units_mismatch'
    WHERE list_contains(s.timed_codes, l.procedure_code)
    GROUP BY l.patient_control_number, l.service_date
),
minutes_units_mismatch AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           format('the note documents {} minutes, which supports {} timed unit(s) ({} minutes a '
                  || 'unit, a last unit from {} minutes); billed {:g} on {}: {}',
                  n.minutes, (n.minutes + s.minutes_per_unit - s.min_minutes_last_unit)
                             // s.minutes_per_unit,
                  s.minutes_per_unit, s.min_minutes_last_unit, v.timed_units::DOUBLE,
                  strftime(t.service_date, '%Y-%m-%d'), v.billed) AS evidence
    FROM target t
    JOIN setting s ON s.rule = 'minutes_units_mismatch'
    JOIN treatment_note n ON n.note_id = t.note_id
    JOIN visit_units v
      ON v.patient_control_number = t.patient_control_number
     AND v.service_date = t.service_date
    WHERE list_contains(s.timed_codes, t.procedure_code)
      AND n.minutes IS NOT NULL
      AND v.timed_units <> (n.minutes + s.minutes_per_unit - s.min_minutes_last_unit)
                           // s.minutes_per_unit
),
recoded_by_payer AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           'the payer adjudicated ' || coalesce(t.adjudicated_code, 'another code')
           || ' instead of the billed ' || t.procedure_code || ' (SVC06)' AS evidence
    FROM target t JOIN setting s ON s.rule = 'recoded_by_payer'
    WHERE t.recoded
)
SELECT claim_line_id, claim_id, rule, severity, weight, evidence FROM missing_narrative
UNION ALL BY NAME SELECT * FROM missing_therapy_modifier
UNION ALL BY NAME SELECT * FROM same_day_evidence
UNION ALL BY NAME SELECT * FROM units_above_daily_max
UNION ALL BY NAME SELECT * FROM missing_prior_authorization
UNION ALL BY NAME SELECT * FROM missing_documentation
UNION ALL BY NAME SELECT * FROM late_signature
UNION ALL BY NAME SELECT * FROM minutes_units_mismatch
UNION ALL BY NAME SELECT * FROM recoded_by_payer
ORDER BY claim_id, claim_line_id, rule;
COMMENT ON TABLE rule_finding IS 'Billing rule findings: one row per line of a target code (claims in force) and rule of rule_setting that fired on it, with what was seen (README "Rule checks").';
COMMENT ON COLUMN rule_finding.claim_line_id IS 'claim_line.claim_line_id of the line checked.';
COMMENT ON COLUMN rule_finding.claim_id IS 'claim.claim_id of its claim.';
COMMENT ON COLUMN rule_finding.rule IS 'rule_setting.rule that fired.';
COMMENT ON COLUMN rule_finding.severity IS 'high, medium or low, from the rules file.';
COMMENT ON COLUMN rule_finding.weight IS 'Weight of the severity in the claim risk score.';
COMMENT ON COLUMN rule_finding.evidence IS 'What was seen, concretely (codes, dates, modifiers, minutes and units), so a reviewer can check the finding.';
