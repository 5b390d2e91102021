CREATE TABLE remit_line (
    remit_line_id                  BIGINT  NOT NULL,
    remit_claim_id                 BIGINT  NOT NULL,
    batch_id                       BIGINT  NOT NULL,
    source_position                BIGINT  NOT NULL,
    position                       INTEGER NOT NULL,
    procedure_qualifier            VARCHAR,
    procedure_code                 VARCHAR,
    modifier_1                     VARCHAR,
    modifier_2                     VARCHAR,
    modifier_3                     VARCHAR,
    modifier_4                     VARCHAR,
    charge                         DECIMAL(18,2) NOT NULL,
    paid_amount                    DECIMAL(18,2) NOT NULL,
    revenue_code                   VARCHAR,
    units                          DECIMAL(15,3),
    submitted_procedure_qualifier  VARCHAR,
    submitted_procedure_code       VARCHAR,
    submitted_modifier_1           VARCHAR,
    submitted_modifier_2           VARCHAR,
    submitted_units                DECIMAL(15,3),
    service_date                   DATE,
    service_date_end               DATE,
    line_control_number            VARCHAR,
    allowed_amount                 DECIMAL(18,2)
);
COMMENT ON TABLE remit_line IS 'One row per 835 service line payment (2110 SVC).';
COMMENT ON COLUMN remit_line.remit_line_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN remit_line.remit_claim_id IS 'remit_claim.remit_claim_id of the claim payment.';
COMMENT ON COLUMN remit_line.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN remit_line.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN remit_line.position IS '1-based order of the line within its CLP (used to match lines without REF*6R).';
COMMENT ON COLUMN remit_line.procedure_qualifier IS 'SVC01-1 (HC, AD, ...).';
COMMENT ON COLUMN remit_line.procedure_code IS 'SVC01-2 procedure code as adjudicated.';
COMMENT ON COLUMN remit_line.modifier_1 IS 'SVC01-3.';
COMMENT ON COLUMN remit_line.modifier_2 IS 'SVC01-4.';
COMMENT ON COLUMN remit_line.modifier_3 IS 'SVC01-5.';
COMMENT ON COLUMN remit_line.modifier_4 IS 'SVC01-6.';
COMMENT ON COLUMN remit_line.charge IS 'SVC02 line charge.';
COMMENT ON COLUMN remit_line.paid_amount IS 'SVC03 line payment.';
COMMENT ON COLUMN remit_line.revenue_code IS 'SVC04 revenue code (institutional).';
COMMENT ON COLUMN remit_line.units IS 'SVC05 units paid (1 when absent).';
COMMENT ON COLUMN remit_line.submitted_procedure_qualifier IS 'SVC06-1, present when the payer recoded the line.';
COMMENT ON COLUMN remit_line.submitted_procedure_code IS 'SVC06-2 procedure code as submitted, present when the payer recoded the line.';
COMMENT ON COLUMN remit_line.submitted_modifier_1 IS 'SVC06-3.';
COMMENT ON COLUMN remit_line.submitted_modifier_2 IS 'SVC06-4.';
COMMENT ON COLUMN remit_line.submitted_units IS 'SVC07 units as submitted.';
COMMENT ON COLUMN remit_line.service_date IS 'DTM*472 (or DTM*150) date of service.';
COMMENT ON COLUMN remit_line.service_date_end IS 'DTM*151 end of service period, else the service date.';
COMMENT ON COLUMN remit_line.line_control_number IS 'REF*6R line item control number echoed from the 837.';
COMMENT ON COLUMN remit_line.allowed_amount IS 'AMT*B6 allowed amount.';
