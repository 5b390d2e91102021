-- Names of the denial categories (queries/reference/denial_category.csv), for people, and of
-- the one the marts add: a zero pay whose CARC is in no category.
SELECT DISTINCT category, category_label FROM denial_category
UNION ALL
SELECT 'uncategorised', 'Uncategorised denial (CARC in no category)';
