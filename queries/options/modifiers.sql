-- Modifiers used on the lines, for the filter bar.
SELECT DISTINCT m AS value, m AS label
FROM (SELECT unnest([modifier_1, modifier_2, modifier_3, modifier_4]) AS m FROM line_adjudication)
WHERE m IS NOT NULL ORDER BY m;
