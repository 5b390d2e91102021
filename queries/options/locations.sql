-- Locations of the claims in force, for the filter bar.
SELECT DISTINCT location AS value, location AS label
FROM line_adjudication WHERE location IS NOT NULL ORDER BY location;
