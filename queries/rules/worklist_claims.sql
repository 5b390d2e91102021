-- How many claims the worklist shows unless told otherwise ([ranking] of the rules file).
SELECT worklist_claims FROM rule_ranking;
