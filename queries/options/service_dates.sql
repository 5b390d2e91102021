-- First and last service date of the claims in force: the default date range.
SELECT min(service_date) AS first_date, max(service_date) AS last_date,
       max(latest_remit_date) AS last_payment_date
FROM line_adjudication;
