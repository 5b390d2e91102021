-- rule_fact_gap: the facts the rule checks lacked (docs/rule-checks.md "Facts, not guesses"):
-- one row per enabled rule and missing fact, with the target-code lines left unchecked for
-- want of it and how to supply it. A rule never guesses a fact: these lines were not checked.
CREATE OR REPLACE TABLE rule_fact_gap AS
WITH target AS (
    SELECT a.claim_line_id, upper(a.procedure_code) AS procedure_code, a.service_date,
           a.payer_id, coalesce(a.payer_name, a.payer_id) AS payer, a.note_id,
           upper(trim(c.claim_filing_indicator)) AS filing_code,
           upper(trim(CASE WHEN cl.rendering_npi IS NULL THEN c.billing_taxonomy
                           ELSE cl.rendering_taxonomy END)) AS rendering_taxonomy,
           nullif(trim(coalesce(cl.prior_authorization, c.prior_authorization, '')), '') IS NULL
               AS no_authorization
    FROM line_adjudication a
    JOIN claim c USING (claim_id)
    JOIN claim_line cl USING (claim_line_id)
    WHERE upper(a.procedure_code) IN (SELECT upper(code) FROM rule_target_code_source)
),
setting AS (
    SELECT * FROM rule_setting WHERE enabled
),
-- Lines whose code has no MUE in force on the date and no daily_limits entry.
no_daily_limit AS (
    SELECT s.rule, t.procedure_code AS subject, count(*) AS lines
    FROM target t
    JOIN setting s ON s.rule = 'units_above_daily_max'
    WHERE NOT list_contains(list_transform(s.daily_limits, lambda f: f.key), t.procedure_code)
      AND NOT EXISTS (
          SELECT 1 FROM mue_limit m
          WHERE upper(m.code) = t.procedure_code
            AND (m.effective_from IS NULL OR m.effective_from <= t.service_date)
            AND (m.effective_to IS NULL OR t.service_date <= m.effective_to))
    GROUP BY s.rule, t.procedure_code
),
no_timing AS (
    SELECT s.rule, t.procedure_code AS subject, count(*) AS lines
    FROM target t
    JOIN setting s ON s.rule = 'minutes_units_mismatch'
    WHERE NOT list_contains(list_transform(s.timing, lambda f: f.key), t.procedure_code)
    GROUP BY s.rule, t.procedure_code
),
-- Lines whose rendering provider's taxonomy is missing or matches no prefix of the rule.
no_taxonomy AS (
    SELECT s.rule, coalesce(t.rendering_taxonomy, 'none') AS subject, count(*) AS lines
    FROM target t
    JOIN setting s ON s.rule = 'discipline_modifier_mismatch'
    WHERE t.rendering_taxonomy IS NULL
       OR NOT list_bool_or(list_transform(s.discipline_taxonomies,
                                          lambda f: starts_with(t.rendering_taxonomy, f.key)))
    GROUP BY s.rule, coalesce(t.rendering_taxonomy, 'none')
),
-- Payers whose authorization policy is neither listed nor told by their remittances: too few of
-- their unauthorised lines answered to learn from (learn_min_lines), or learning is off. A payer
-- that answered enough of them and denied few for authorization has told: it is no gap.
authorization_counts AS (
    SELECT s.rule, t.payer_id, any_value(t.payer) AS payer, count(*) AS lines,
           count(*) FILTER (WHERE a.adjudications > 0) AS answered,
           count(*) FILTER (WHERE a.adjudications > 0 AND list_contains(s.authorization_carcs,
                                                   upper(a.initial_denial_carc))) AS denied,
           any_value(s.learn_from_remittances) AS learn, any_value(s.learn_min_lines) AS min_lines,
           any_value(s.learn_min_share) AS min_share,
           bool_or(list_contains(list_transform(s.payers_requiring_auth, lambda f: f.key),
                                 upper(t.payer_id))) AS listed
    FROM target t
    JOIN line_adjudication a USING (claim_line_id)
    JOIN setting s ON s.rule = 'missing_prior_authorization'
    WHERE t.no_authorization
    GROUP BY s.rule, t.payer_id
),
no_authorization_policy AS (
    SELECT rule, payer AS subject, lines, answered, denied, learn, min_lines
    FROM authorization_counts
    WHERE NOT listed AND (NOT learn OR answered < min_lines)
),
no_threshold AS (
    SELECT s.rule, year(t.service_date)::VARCHAR AS subject, count(*) AS lines
    FROM target t
    JOIN setting s ON s.rule IN ('therapy_threshold_no_kx', 'kx_below_threshold')
    WHERE list_contains(s.medicare_filing_codes, t.filing_code)
      AND NOT list_contains(list_transform(s.thresholds, lambda f: f.key),
                            year(t.service_date)::VARCHAR)
    GROUP BY s.rule, year(t.service_date)
)
SELECT rule, 'daily unit limit of ' || subject AS fact, lines,
       'load CMS''s MUE file (docs/csv-inputs.md), or add "' || subject || '" = { units = N, '
       || 'source = "..." } under [units_above_daily_max.daily_limits] in your rules file'
           AS how_to_supply
FROM no_daily_limit
UNION ALL
SELECT rule, 'whether ' || subject || ' is timed', lines,
       'add "' || subject || '" = { timed = true or false, source = "..." } under '
       || '[minutes_units_mismatch.timing] in your rules file'
FROM no_timing
UNION ALL
SELECT rule, CASE subject WHEN 'none' THEN 'the rendering provider''s taxonomy code'
                  ELSE 'the discipline of taxonomy ' || subject END, lines,
       CASE subject WHEN 'none'
            THEN 'send the rendering provider''s PRV*PE taxonomy (loop 2310B or 2420A)'
            ELSE 'add its prefix under [discipline_modifier_mismatch.discipline_taxonomies] in '
                 || 'your rules file' END
FROM no_taxonomy
UNION ALL
SELECT rule, 'whether ' || subject || ' requires prior authorization', lines,
       'list it under [missing_prior_authorization.payers_requiring_auth] with its source'
       || CASE WHEN learn
               THEN '; its own remittances answered ' || answered || ' of these lines (denied '
                    || denied || ' for missing authorization), fewer than the ' || min_lines
                    || ' needed to learn from them'
               ELSE ' (learning from remittances is off)' END
FROM no_authorization_policy
UNION ALL
SELECT rule, 'the Medicare therapy threshold of ' || subject, lines,
       'add "' || subject || '" = { amount = "...", source = "..." } under '
       || '[therapy_threshold.amounts] in your rules file'
FROM no_threshold
ORDER BY rule, fact;
COMMENT ON TABLE rule_fact_gap IS 'The facts the rule checks lacked: one row per enabled rule and missing fact, with the target-code lines it left unchecked and how to supply it (docs/rule-checks.md).';
COMMENT ON COLUMN rule_fact_gap.rule IS 'rule_setting.rule that could not check these lines.';
COMMENT ON COLUMN rule_fact_gap.fact IS 'The fact it lacked, in words.';
COMMENT ON COLUMN rule_fact_gap.lines IS 'Target-code lines (claims in force) not checked for want of it.';
COMMENT ON COLUMN rule_fact_gap.how_to_supply IS 'Where to give the fact: a reference file to load or the key of the rules file.';
