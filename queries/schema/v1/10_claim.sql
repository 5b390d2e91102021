CREATE TABLE claim (
    claim_id                BIGINT  NOT NULL,
    batch_id                BIGINT  NOT NULL,
    source_position         BIGINT  NOT NULL,
    transaction_control     VARCHAR,
    patient_control_number  VARCHAR NOT NULL,
    frequency_code          VARCHAR,
    place_of_service        VARCHAR,
    total_charge            DECIMAL(18,2) NOT NULL,
    payer_id                VARCHAR,
    payer_name              VARCHAR,
    payer_responsibility    VARCHAR,
    claim_filing_indicator  VARCHAR,
    subscriber_member_id    VARCHAR,
    subscriber_last_name    VARCHAR,
    subscriber_first_name   VARCHAR,
    subscriber_birth_date   DATE,
    patient_last_name       VARCHAR,
    patient_first_name      VARCHAR,
    patient_birth_date      DATE,
    patient_relationship    VARCHAR,
    billing_npi             VARCHAR,
    billing_name            VARCHAR,
    billing_taxonomy        VARCHAR,
    rendering_npi           VARCHAR,
    rendering_name          VARCHAR,
    rendering_taxonomy      VARCHAR,
    service_facility_npi    VARCHAR,
    service_facility_name   VARCHAR,
    prior_authorization     VARCHAR,
    referral_number         VARCHAR,
    original_claim_number   VARCHAR,
    diagnosis_codes         VARCHAR,
    attachment_types        VARCHAR,
    claim_note              VARCHAR,
    created_date            DATE
);
COMMENT ON TABLE claim IS 'One row per 837P claim (CLM) or per claim in a claims CSV.';
COMMENT ON COLUMN claim.claim_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN claim.batch_id IS 'load_batch.batch_id of the file the claim came from.';
COMMENT ON COLUMN claim.source_position IS 'Where the row starts in its file: the segment number (1-based, over the whole file) of its X12 segment, or the line number of its first CSV row.';
COMMENT ON COLUMN claim.transaction_control IS 'ST02 of the transaction set (X12 only).';
COMMENT ON COLUMN claim.patient_control_number IS 'CLM01, the provider''s claim id; the 835 echoes it in CLP01.';
COMMENT ON COLUMN claim.frequency_code IS 'CLM05-3: 1 original, 7 replacement, 8 void.';
COMMENT ON COLUMN claim.place_of_service IS 'CLM05-1 place of service code (e.g. 11 office).';
COMMENT ON COLUMN claim.total_charge IS 'CLM02 total claim charge.';
COMMENT ON COLUMN claim.payer_id IS 'Payer identifier, 2010BB NM109.';
COMMENT ON COLUMN claim.payer_name IS 'Payer name, 2010BB NM103.';
COMMENT ON COLUMN claim.payer_responsibility IS 'SBR01: P primary, S secondary, T tertiary, ...';
COMMENT ON COLUMN claim.claim_filing_indicator IS 'SBR09 (MB Medicare Part B, CI commercial, MC Medicaid, ...).';
COMMENT ON COLUMN claim.subscriber_member_id IS 'Subscriber member id, 2010BA NM109 (PHI).';
COMMENT ON COLUMN claim.subscriber_last_name IS 'Subscriber last name, 2010BA NM103 (PHI).';
COMMENT ON COLUMN claim.subscriber_first_name IS 'Subscriber first name, 2010BA NM104 (PHI).';
COMMENT ON COLUMN claim.subscriber_birth_date IS 'Subscriber birth date, 2010BA DMG02 (PHI).';
COMMENT ON COLUMN claim.patient_last_name IS 'Patient last name: 2010CA NM103 when the patient is not the subscriber, else the subscriber''s (PHI).';
COMMENT ON COLUMN claim.patient_first_name IS 'Patient first name, as patient_last_name (PHI).';
COMMENT ON COLUMN claim.patient_birth_date IS 'Patient birth date, 2010CA or 2010BA DMG02 (PHI).';
COMMENT ON COLUMN claim.patient_relationship IS 'PAT01 relationship to the subscriber; 18 (self) when there is no patient loop.';
COMMENT ON COLUMN claim.billing_npi IS 'Billing provider NPI, 2010AA NM109.';
COMMENT ON COLUMN claim.billing_name IS 'Billing provider name, 2010AA NM103.';
COMMENT ON COLUMN claim.billing_taxonomy IS 'Billing provider taxonomy, 2000A PRV03.';
COMMENT ON COLUMN claim.rendering_npi IS 'Claim-level rendering provider NPI, 2310B NM109 (NULL when the billing provider rendered).';
COMMENT ON COLUMN claim.rendering_name IS 'Claim-level rendering provider, "LAST, FIRST" from 2310B.';
COMMENT ON COLUMN claim.rendering_taxonomy IS 'Claim-level rendering provider taxonomy, 2310B PRV03.';
COMMENT ON COLUMN claim.service_facility_npi IS 'Service facility (location) NPI, 2310C NM109.';
COMMENT ON COLUMN claim.service_facility_name IS 'Service facility (location) name, 2310C NM103.';
COMMENT ON COLUMN claim.prior_authorization IS 'Prior authorization number, 2300 REF*G1.';
COMMENT ON COLUMN claim.referral_number IS 'Referral number, 2300 REF*9F.';
COMMENT ON COLUMN claim.original_claim_number IS 'Payer claim control number of the claim this one replaces or voids, 2300 REF*F8.';
COMMENT ON COLUMN claim.diagnosis_codes IS 'Diagnosis codes from HI, comma-separated, principal first.';
COMMENT ON COLUMN claim.attachment_types IS 'PWK01 report types sent with the claim, comma-separated (PN therapy notes, 09 progress report, ...).';
COMMENT ON COLUMN claim.claim_note IS '2300 NTE notes as "REF: text", joined with " | ".';
COMMENT ON COLUMN claim.created_date IS 'Date the claim file was created, BHT04.';
