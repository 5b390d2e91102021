-- The facts the rule checks lacked (rule_fact_gap), most lines left unchecked first.
SELECT rule, fact, lines, how_to_supply
FROM rule_fact_gap
ORDER BY lines DESC, rule, fact;
