CREATE TABLE remit (
    remit_id             BIGINT  NOT NULL,
    batch_id             BIGINT  NOT NULL,
    source_position      BIGINT  NOT NULL,
    transaction_control  VARCHAR,
    handling_code        VARCHAR,
    payment_amount       DECIMAL(18,2) NOT NULL,
    credit_debit         VARCHAR,
    payment_method       VARCHAR,
    payment_date         DATE,
    trace_number         VARCHAR,
    trace_originator     VARCHAR,
    payer_id             VARCHAR,
    payer_name           VARCHAR,
    payee_id             VARCHAR,
    payee_name           VARCHAR,
    production_date      DATE
);
COMMENT ON TABLE remit IS 'One row per 835 transaction (one payment or notice), or per payment in a remits CSV.';
COMMENT ON COLUMN remit.remit_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN remit.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN remit.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN remit.transaction_control IS 'ST02 of the transaction set.';
COMMENT ON COLUMN remit.handling_code IS 'BPR01: I remittance with payment, H notification only, ...';
COMMENT ON COLUMN remit.payment_amount IS 'BPR02 total actual provider payment.';
COMMENT ON COLUMN remit.credit_debit IS 'BPR03: C credit, D debit.';
COMMENT ON COLUMN remit.payment_method IS 'BPR04: ACH, CHK, BOP, FWT, NON.';
COMMENT ON COLUMN remit.payment_date IS 'BPR16 check issue or EFT effective date.';
COMMENT ON COLUMN remit.trace_number IS 'TRN02 check or EFT trace number.';
COMMENT ON COLUMN remit.trace_originator IS 'TRN03 payer identifier of the trace.';
COMMENT ON COLUMN remit.payer_id IS 'Payer identifier: REF*2U, else N1*PR N104, else TRN03.';
COMMENT ON COLUMN remit.payer_name IS 'N1*PR N102 payer name.';
COMMENT ON COLUMN remit.payee_id IS 'N1*PE N104 payee identifier (NPI when N103 = XX).';
COMMENT ON COLUMN remit.payee_name IS 'N1*PE N102 payee name.';
COMMENT ON COLUMN remit.production_date IS 'DTM*405 date the payer produced the remittance.';
