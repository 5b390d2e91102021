-- Names of the denial categories (queries/reference/denial_category.csv), for people.
SELECT DISTINCT category, category_label FROM denial_category;
