-- The date of the last payment received: the demo's "as of" date, so its A/R aging is stable.
SELECT max(payment_date) FROM remit;
