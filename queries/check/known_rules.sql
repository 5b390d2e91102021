-- The rules the marts were built with: the names the check's blocking settings may use.
SELECT rule FROM rule_setting ORDER BY rule;
