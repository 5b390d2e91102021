CREATE TABLE claim_line (
    claim_line_id        BIGINT  NOT NULL,
    claim_id             BIGINT  NOT NULL,
    batch_id             BIGINT  NOT NULL,
    source_position      BIGINT  NOT NULL,
    line_number          INTEGER NOT NULL,
    line_control_number  VARCHAR,
    procedure_qualifier  VARCHAR,
    procedure_code       VARCHAR,
    modifier_1           VARCHAR,
    modifier_2           VARCHAR,
    modifier_3           VARCHAR,
    modifier_4           VARCHAR,
    description          VARCHAR,
    charge               DECIMAL(18,2) NOT NULL,
    unit_type            VARCHAR,
    units                DECIMAL(15,3),
    place_of_service     VARCHAR,
    diagnosis_pointers   VARCHAR,
    service_date         DATE,
    service_date_end     DATE,
    rendering_npi        VARCHAR,
    rendering_name       VARCHAR,
    rendering_taxonomy   VARCHAR,
    prior_authorization  VARCHAR,
    line_note            VARCHAR
);
COMMENT ON TABLE claim_line IS 'One row per 837P service line (2400 LX/SV1) or per row of a claims CSV.';
COMMENT ON COLUMN claim_line.claim_line_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN claim_line.claim_id IS 'claim.claim_id of the claim.';
COMMENT ON COLUMN claim_line.batch_id IS 'load_batch.batch_id of the file.';
COMMENT ON COLUMN claim_line.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN claim_line.line_number IS 'LX01 line number within the claim.';
COMMENT ON COLUMN claim_line.line_control_number IS 'REF*6R line item control number; the 835 echoes it.';
COMMENT ON COLUMN claim_line.procedure_qualifier IS 'SV101-1 (HC = CPT/HCPCS).';
COMMENT ON COLUMN claim_line.procedure_code IS 'SV101-2 procedure code, e.g. 97139.';
COMMENT ON COLUMN claim_line.modifier_1 IS 'SV101-3 first modifier (GP, 59, XS, ...).';
COMMENT ON COLUMN claim_line.modifier_2 IS 'SV101-4.';
COMMENT ON COLUMN claim_line.modifier_3 IS 'SV101-5.';
COMMENT ON COLUMN claim_line.modifier_4 IS 'SV101-6.';
COMMENT ON COLUMN claim_line.description IS 'SV101-7 description of the service: required for unlisted codes.';
COMMENT ON COLUMN claim_line.charge IS 'SV102 line charge.';
COMMENT ON COLUMN claim_line.unit_type IS 'SV103 (UN units, MJ minutes).';
COMMENT ON COLUMN claim_line.units IS 'SV104 service units.';
COMMENT ON COLUMN claim_line.place_of_service IS 'SV105 when it differs from the claim''s.';
COMMENT ON COLUMN claim_line.diagnosis_pointers IS 'SV107 pointers into claim.diagnosis_codes, colon-separated.';
COMMENT ON COLUMN claim_line.service_date IS 'DTP*472 date of service (start of a range); 4010 files may give it at claim level.';
COMMENT ON COLUMN claim_line.service_date_end IS 'End of a DTP*472 RD8 range, else the service date.';
COMMENT ON COLUMN claim_line.rendering_npi IS 'Rendering provider NPI for the line: 2420A NM109, else the claim''s 2310B, else NULL.';
COMMENT ON COLUMN claim_line.rendering_name IS 'Rendering provider "LAST, FIRST" for the line, as rendering_npi.';
COMMENT ON COLUMN claim_line.rendering_taxonomy IS 'Rendering provider taxonomy for the line, as rendering_npi.';
COMMENT ON COLUMN claim_line.prior_authorization IS 'Line prior authorization, 2400 REF*G1, else the claim''s.';
COMMENT ON COLUMN claim_line.line_note IS '2400 NTE (ADD / DCP) text.';
