-- The billing rules the findings were checked with (unlisted/rules.toml, or the user's rules file
-- from $UNLISTED_RULES or [rules] path; registered as rule_setting_source by queries/rules.py),
-- and the target codes they run on ([metrics] codes; rule_target_code_source).
CREATE OR REPLACE TABLE rule_setting AS
SELECT rule::VARCHAR AS rule, label::VARCHAR AS label, enabled::BOOLEAN AS enabled,
       severity::VARCHAR AS severity, weight::DECIMAL(9, 2) AS weight,
       (SELECT list(code ORDER BY code) FROM rule_target_code_source)::VARCHAR[] AS target_codes,
       therapy_modifiers::VARCHAR[] AS therapy_modifiers,
       similar_codes::VARCHAR[] AS similar_codes,
       distinct_modifiers::VARCHAR[] AS distinct_modifiers,
       payers_requiring_auth::VARCHAR[] AS payers_requiring_auth,
       elements::VARCHAR[] AS elements,
       timed_codes::VARCHAR[] AS timed_codes,
       max_units_per_day::DECIMAL(15, 3) AS max_units_per_day,
       max_sign_days::INTEGER AS max_sign_days,
       flag_unsigned::BOOLEAN AS flag_unsigned,
       minutes_per_unit::INTEGER AS minutes_per_unit,
       min_minutes_last_unit::INTEGER AS min_minutes_last_unit
FROM rule_setting_source;
COMMENT ON TABLE rule_setting IS 'The billing rules the last mart rebuild checked (unlisted/rules.toml overridden by $UNLISTED_RULES or the [rules] path of the settings), one row per rule; NULL parameters do not apply to the rule.';
COMMENT ON COLUMN rule_setting.rule IS 'Rule key, as in rule_finding.rule and the rules file.';
COMMENT ON COLUMN rule_setting.label IS 'What the rule looks for, for people.';
COMMENT ON COLUMN rule_setting.enabled IS 'Whether the rule was checked.';
COMMENT ON COLUMN rule_setting.severity IS 'high, medium or low.';
COMMENT ON COLUMN rule_setting.weight IS 'Weight of the severity in the claim risk score ([weights] of the rules file).';
COMMENT ON COLUMN rule_setting.target_codes IS 'The codes whose lines are checked ([metrics] codes of the settings).';
COMMENT ON COLUMN rule_setting.therapy_modifiers IS 'missing_therapy_modifier: modifiers that count as a therapy modifier (GP, GO, GN).';
COMMENT ON COLUMN rule_setting.similar_codes IS 'same_day_similar_code: specific codes that describe a similar service.';
COMMENT ON COLUMN rule_setting.distinct_modifiers IS 'same_day_similar_code: modifiers that mark a distinct service (59, XE, XS, XP, XU).';
COMMENT ON COLUMN rule_setting.payers_requiring_auth IS 'missing_prior_authorization: payer ids that require prior authorization.';
COMMENT ON COLUMN rule_setting.elements IS 'missing_documentation: documentation elements the note must show.';
COMMENT ON COLUMN rule_setting.timed_codes IS 'minutes_units_mismatch: codes whose units are timed (count against the note''s minutes).';
COMMENT ON COLUMN rule_setting.max_units_per_day IS 'units_above_daily_max: most units of a code per patient and day.';
COMMENT ON COLUMN rule_setting.max_sign_days IS 'late_signature: most days from visit to signature.';
COMMENT ON COLUMN rule_setting.flag_unsigned IS 'late_signature: a note without a signed date is a finding.';
COMMENT ON COLUMN rule_setting.minutes_per_unit IS 'minutes_units_mismatch: minutes per timed unit (15).';
COMMENT ON COLUMN rule_setting.min_minutes_last_unit IS 'minutes_units_mismatch: remaining minutes that earn one more unit (8, the CMS 8-minute rule).';
