-- How claims are ranked (the [ranking] table of the rules file; rule_ranking_source from
-- queries/rules.py): one row.
CREATE OR REPLACE TABLE rule_ranking AS
SELECT min_lines::INTEGER AS min_lines, worklist_claims::INTEGER AS worklist_claims
FROM rule_ranking_source;
COMMENT ON TABLE rule_ranking IS 'How the rule worklist ranks claims ([ranking] of the rules file), one row.';
COMMENT ON COLUMN rule_ranking.min_lines IS 'Adjudicated lines with a finding a payer needs before its own denial rate for that finding is used.';
COMMENT ON COLUMN rule_ranking.worklist_claims IS 'Claims the worklist and its packet show unless told otherwise.';
