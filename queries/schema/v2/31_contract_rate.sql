CREATE TABLE contract_rate (
    contract_id      BIGINT  NOT NULL,
    batch_id         BIGINT  NOT NULL,
    source_position  BIGINT  NOT NULL,
    payer_id         VARCHAR NOT NULL,
    payer_name       VARCHAR,
    code             VARCHAR NOT NULL,
    modifier         VARCHAR,
    effective_from   DATE    NOT NULL,
    effective_to     DATE,
    method           VARCHAR NOT NULL,
    amount           DECIMAL(18,4),
    comparator_code  VARCHAR
);
COMMENT ON TABLE contract_rate IS 'Expected pricing: one row per payer, code, modifier and effective period.';
COMMENT ON COLUMN contract_rate.contract_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN contract_rate.batch_id IS 'load_batch.batch_id of the contracts file.';
COMMENT ON COLUMN contract_rate.source_position IS 'Line number of the row in its CSV file.';
COMMENT ON COLUMN contract_rate.payer_id IS 'Payer identifier, as on the claims (2010BB NM109).';
COMMENT ON COLUMN contract_rate.payer_name IS 'Payer name, for people.';
COMMENT ON COLUMN contract_rate.code IS 'Procedure code the rate applies to (the billed code, e.g. 97139).';
COMMENT ON COLUMN contract_rate.modifier IS 'Modifier the rate applies to; NULL for any modifier.';
COMMENT ON COLUMN contract_rate.effective_from IS 'First service date the rate applies to.';
COMMENT ON COLUMN contract_rate.effective_to IS 'Last service date the rate applies to; NULL while in force.';
COMMENT ON COLUMN contract_rate.method IS 'fixed (amount per unit), percent (amount = share of billed charges, 0.55 = 55%) or comparator (the rate of comparator_code for the same payer and date, per unit).';
COMMENT ON COLUMN contract_rate.amount IS 'Dollars per unit (fixed) or share of charges (percent); NULL for comparator.';
COMMENT ON COLUMN contract_rate.comparator_code IS 'For comparator pricing: the code whose rate prices this one.';
