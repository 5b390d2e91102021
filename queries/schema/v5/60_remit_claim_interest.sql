-- Prompt-pay interest on a claim payment (2100 AMT*I). It is included in CLP04 but is not part of
-- any line's paid or allowed amount: the marts take it out of claim-level shares and report it
-- on its own in the reconciliation. Payments loaded before this column existed have NULL here;
-- load their files into a new database to read it.
ALTER TABLE remit_claim ADD COLUMN interest_amount DECIMAL(18,2);
COMMENT ON COLUMN remit_claim.interest_amount IS 'AMT*I prompt-pay interest, included in CLP04 (paid_amount) but not in any line''s paid amount.';
