-- rule_finding: the billing rule checks (rule_setting, README "Rule checks") on every line of a
-- target code in the claims in force: one row per line and rule that fires, with what was seen.
-- "Same patient" = the same subscriber member id, patient name and birth date (or the same claim).
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
-- Lines of the same patient on the same day as a target line (other than itself).
same_day AS (
    SELECT t.claim_line_id, t.claim_id, t.procedure_code, t.service_date,
           t.modifier_list AS target_modifiers, o.claim_line_id AS other_line_id,
           o.procedure_code AS other_code, o.modifier_list AS other_modifiers,
           o.patient_control_number AS other_pcn, o.line_number AS other_line_number
    FROM target t
    JOIN line o
      ON o.service_date = t.service_date
     AND o.patient_key = t.patient_key
     AND o.claim_line_id <> t.claim_line_id
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
-- The edit in force for each same-day pair on its service date: of several versions loaded, the
-- one that took effect last (then the file loaded last).
same_day_ptp AS (
    SELECT d.claim_line_id, d.other_line_id, p.modifier_indicator,
           'NCCI PTP edit ' || p.column1_code || '/' || p.column2_code
           || ' (modifier indicator ' || p.modifier_indicator || ')' AS ptp_edit
    FROM same_day d
    JOIN ptp p
      ON p.low_code = least(d.procedure_code, d.other_code)
     AND p.high_code = greatest(d.procedure_code, d.other_code)
     AND p.effective_from <= d.service_date
     AND (p.effective_to IS NULL OR d.service_date <= p.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY d.claim_line_id, d.other_line_id
        ORDER BY p.effective_from DESC, p.batch_id DESC, p.source_position DESC) = 1
),
same_day_checked AS (
    SELECT d.*, p.modifier_indicator, p.ptp_edit
    FROM same_day d
    LEFT JOIN same_day_ptp p USING (claim_line_id, other_line_id)
),
same_day_similar_code AS (
    SELECT d.claim_line_id, d.claim_id, s.rule, s.severity, s.weight,
           string_agg(d.other_code || ' on ' || strftime(d.service_date, '%Y-%m-%d')
                      || ' for the same patient (claim ' || d.other_pcn || ' line '
                      || d.other_line_number || ')'
                      || CASE WHEN d.modifier_indicator = 1 THEN ', ' || d.ptp_edit ELSE '' END,
                      '; ' ORDER BY d.other_code, d.other_line_id)
           || ', no ' || array_to_string(s.distinct_modifiers, '/') || ' modifier on either line'
               AS evidence
    FROM same_day_checked d
    JOIN setting s ON s.rule = 'same_day_similar_code'
    WHERE (list_contains(s.similar_codes, d.other_code) OR d.modifier_indicator = 1)
      AND NOT list_has_any(d.target_modifiers, s.distinct_modifiers)
      AND NOT list_has_any(d.other_modifiers, s.distinct_modifiers)
    GROUP BY d.claim_line_id, d.claim_id, s.rule, s.severity, s.weight, s.distinct_modifiers
),
ptp_never_allowed AS (
    SELECT d.claim_line_id, d.claim_id, s.rule, s.severity, s.weight,
           string_agg(d.other_code || ' on ' || strftime(d.service_date, '%Y-%m-%d')
                      || ' for the same patient (claim ' || d.other_pcn || ' line '
                      || d.other_line_number || '), ' || d.ptp_edit,
                      '; ' ORDER BY d.other_code, d.other_line_id)
           || ': never allowed together, whatever the modifiers' AS evidence
    FROM same_day_checked d
    JOIN setting s ON s.rule = 'ptp_never_allowed'
    WHERE d.modifier_indicator = 0
    GROUP BY d.claim_line_id, d.claim_id, s.rule, s.severity, s.weight
),
-- The MUE of each target line's code in force on its service date (the one that took effect
-- last, then the file loaded last); none: the rules file's max_units_per_day applies.
line_mue AS (
    SELECT t.claim_line_id, m.max_units, m.adjudication_indicator
    FROM target t
    JOIN mue_limit m
      ON upper(m.code) = t.procedure_code
     AND (m.effective_from IS NULL OR m.effective_from <= t.service_date)
     AND (m.effective_to IS NULL OR t.service_date <= m.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY t.claim_line_id
        ORDER BY m.effective_from DESC NULLS LAST, m.batch_id DESC, m.source_position DESC) = 1
),
units_above_daily_max AS (
    SELECT t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight,
           format('{:g} units of {} on {} for the same patient ({} line(s) on {} claim(s)), '
                  || 'above the daily maximum of {:g}',
                  sum(o.units)::DOUBLE, t.procedure_code, strftime(t.service_date, '%Y-%m-%d'),
                  count(*), count(DISTINCT o.claim_id),
                  coalesce(m.max_units, s.max_units_per_day)::DOUBLE)
           || CASE WHEN m.max_units IS NULL THEN ''
                   ELSE ' (MUE ' || m.max_units || CASE WHEN m.max_units = 1 THEN ' unit'
                                                       ELSE ' units' END
                        || coalesce(', adjudication indicator ' || m.adjudication_indicator, '')
                        || ')' END AS evidence
    FROM target t
    JOIN setting s ON s.rule = 'units_above_daily_max'
    JOIN target o
      ON o.service_date = t.service_date
     AND o.procedure_code = t.procedure_code
     AND o.patient_key = t.patient_key
    LEFT JOIN line_mue m ON m.claim_line_id = t.claim_line_id
    GROUP BY t.claim_line_id, t.claim_id, s.rule, s.severity, s.weight, t.procedure_code,
             t.service_date, s.max_units_per_day, m.max_units, m.adjudication_indicator
    HAVING sum(o.units) > coalesce(m.max_units, s.max_units_per_day)
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
           string_agg(l.procedure_code || ' x' || l.units_text, ', '
                      ORDER BY l.procedure_code, l.claim_line_id) AS billed
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
UNION ALL BY NAME SELECT * FROM same_day_similar_code
UNION ALL BY NAME SELECT * FROM ptp_never_allowed
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
