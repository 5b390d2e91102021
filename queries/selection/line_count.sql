-- How many claim lines the marts hold.
SELECT count(*) FROM line_adjudication;
