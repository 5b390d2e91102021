-- The billing rules the findings were checked with (unlisted/rules.toml, or the user's rules file
-- from $UNLISTED_RULES or [rules] path; registered as rule_setting_source by queries/rules.py),
-- and the target codes they run on ([metrics] codes; rule_target_code_source).
CREATE OR REPLACE TABLE rule_setting AS
SELECT rule::VARCHAR AS rule, label::VARCHAR AS label, enabled::BOOLEAN AS enabled,
       severity::VARCHAR AS severity, weight::DECIMAL(9, 2) AS weight,
       (SELECT list(code ORDER BY code) FROM rule_target_code_source)::VARCHAR[] AS target_codes,
       therapy_modifiers::VARCHAR[] AS therapy_modifiers,
       discipline_modifiers::VARCHAR[] AS discipline_modifiers,
       discipline_taxonomies::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS discipline_taxonomies,
       assistant_taxonomies::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS assistant_taxonomies,
       assistant_credentials::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS assistant_credentials,
       similar_codes::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS similar_codes,
       specific_services::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS specific_services,
       distinct_modifiers::VARCHAR[] AS distinct_modifiers,
       daily_limits::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS daily_limits,
       payers_requiring_auth::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS payers_requiring_auth,
       learn_from_remittances::BOOLEAN AS learn_from_remittances,
       learn_min_lines::INTEGER AS learn_min_lines,
       learn_min_share::DECIMAL(9, 4) AS learn_min_share,
       authorization_carcs::VARCHAR[] AS authorization_carcs,
       elements::VARCHAR[] AS elements,
       max_sign_days::INTEGER AS max_sign_days,
       flag_unsigned::BOOLEAN AS flag_unsigned,
       minutes_per_unit::INTEGER AS minutes_per_unit,
       min_minutes_last_unit::INTEGER AS min_minutes_last_unit,
       timing::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS timing,
       medicare_filing_codes::VARCHAR[] AS medicare_filing_codes,
       thresholds::STRUCT(key VARCHAR, modifier VARCHAR, units DECIMAL(15, 3), timed BOOLEAN, amount DECIMAL(18, 2), text VARCHAR, code VARCHAR)[] AS thresholds
FROM rule_setting_source;
COMMENT ON TABLE rule_setting IS 'The billing rules the last mart rebuild checked (unlisted/rules.toml overridden by $UNLISTED_RULES or the [rules] path of the settings), one row per rule; NULL parameters do not apply to the rule.';
COMMENT ON COLUMN rule_setting.rule IS 'Rule key, as in rule_finding.rule and the rules file.';
COMMENT ON COLUMN rule_setting.label IS 'What the rule looks for, for people.';
COMMENT ON COLUMN rule_setting.enabled IS 'Whether the rule was checked.';
COMMENT ON COLUMN rule_setting.severity IS 'high, medium or low.';
COMMENT ON COLUMN rule_setting.weight IS 'Weight of the severity in the claim risk score ([weights] of the rules file).';
COMMENT ON COLUMN rule_setting.target_codes IS 'The codes whose lines are checked ([metrics] codes of the settings).';
COMMENT ON COLUMN rule_setting.therapy_modifiers IS 'missing_therapy_modifier: modifiers that count as a therapy modifier (GP, GO, GN).';
COMMENT ON COLUMN rule_setting.discipline_modifiers IS 'discipline_modifier_mismatch: the discipline modifiers (GP, GO, GN).';
COMMENT ON COLUMN rule_setting.discipline_taxonomies IS 'discipline_modifier_mismatch: taxonomy code prefix (key) and the discipline modifier of such a provider, with its source (text).';
COMMENT ON COLUMN rule_setting.assistant_taxonomies IS 'assistant_without_modifier: taxonomy code prefix of an assistant (key) and the modifier their lines need (CQ, CO), with its source.';
COMMENT ON COLUMN rule_setting.assistant_credentials IS 'assistant_without_modifier: a note signer''s credential that marks an assistant (key) and the modifier, with its source.';
COMMENT ON COLUMN rule_setting.specific_services IS 'narrative_names_specific_code: phrases of a narrative (key) that name a service with a code of its own (code), each with its source (text).';
COMMENT ON COLUMN rule_setting.similar_codes IS 'same_day_similar_code: specific codes that describe a similar service (key), each with the reason (text).';
COMMENT ON COLUMN rule_setting.distinct_modifiers IS 'same_day_similar_code: modifiers that mark a distinct service (59, XE, XS, XP, XU).';
COMMENT ON COLUMN rule_setting.daily_limits IS 'units_above_daily_max: code (key) and its most units per patient and day (units), with its source; a loaded MUE wins.';
COMMENT ON COLUMN rule_setting.payers_requiring_auth IS 'missing_prior_authorization: payer ids (key) that require prior authorization, with the source (text).';
COMMENT ON COLUMN rule_setting.learn_from_remittances IS 'missing_prior_authorization: also payers whose own remittances deny unauthorised lines for missing authorization.';
COMMENT ON COLUMN rule_setting.learn_min_lines IS 'missing_prior_authorization: answered lines without REF*G1 a payer needs before its denials count as evidence.';
COMMENT ON COLUMN rule_setting.learn_min_share IS 'missing_prior_authorization: share of those lines denied for authorization that makes the payer one that requires it.';
COMMENT ON COLUMN rule_setting.authorization_carcs IS 'missing_prior_authorization: CARCs that mean a missing authorization (15, 62, 197).';
COMMENT ON COLUMN rule_setting.elements IS 'missing_documentation: documentation elements the note must show.';
COMMENT ON COLUMN rule_setting.max_sign_days IS 'late_signature: most days from visit to signature.';
COMMENT ON COLUMN rule_setting.flag_unsigned IS 'late_signature: a note without a signed date is a finding.';
COMMENT ON COLUMN rule_setting.minutes_per_unit IS 'minutes_units_mismatch: minutes per timed unit (15).';
COMMENT ON COLUMN rule_setting.min_minutes_last_unit IS 'minutes_units_mismatch: remaining minutes that earn one more unit (8, the CMS 8-minute rule).';
COMMENT ON COLUMN rule_setting.timing IS 'minutes_units_mismatch: code (key), whether it is timed (timed), and the source; a code not listed is not checked.';
COMMENT ON COLUMN rule_setting.medicare_filing_codes IS 'therapy_threshold_no_kx, kx_below_threshold: SBR09 claim filing codes of Medicare Part B claims (MB).';
COMMENT ON COLUMN rule_setting.thresholds IS 'therapy_threshold_no_kx, kx_below_threshold: year (key) and the Medicare therapy threshold (amount), with its source.';
