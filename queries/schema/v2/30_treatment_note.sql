CREATE TABLE treatment_note (
    note_id                 BIGINT  NOT NULL,
    batch_id                BIGINT  NOT NULL,
    source_position         BIGINT  NOT NULL,
    patient_control_number  VARCHAR NOT NULL,
    service_date            DATE    NOT NULL,
    provider_npi            VARCHAR,
    provider_name           VARCHAR,
    credentials             VARCHAR,
    minutes                 INTEGER,
    signed_date             DATE,
    note_text               VARCHAR,
    elements_source         VARCHAR NOT NULL,
    has_description         BOOLEAN NOT NULL,
    description_evidence    VARCHAR,
    has_purpose             BOOLEAN NOT NULL,
    purpose_evidence        VARCHAR,
    has_duration            BOOLEAN NOT NULL,
    duration_evidence       VARCHAR,
    has_rationale           BOOLEAN NOT NULL,
    rationale_evidence      VARCHAR,
    has_credentials         BOOLEAN NOT NULL,
    credentials_evidence    VARCHAR,
    has_involvement         BOOLEAN NOT NULL,
    involvement_evidence    VARCHAR,
    elements_present        INTEGER NOT NULL
);
COMMENT ON TABLE treatment_note IS 'One row per treatment note (one visit), with the six documentation elements of docs/documentation-elements.md found or missing and the phrase that showed each.';
COMMENT ON COLUMN treatment_note.note_id IS 'Identifier given by the loader.';
COMMENT ON COLUMN treatment_note.batch_id IS 'load_batch.batch_id of the notes file.';
COMMENT ON COLUMN treatment_note.source_position IS 'Line number of the note in its CSV or JSON-lines file.';
COMMENT ON COLUMN treatment_note.patient_control_number IS 'The claim the visit was billed on (CLM01), the key to claim lines.';
COMMENT ON COLUMN treatment_note.service_date IS 'Date of the visit.';
COMMENT ON COLUMN treatment_note.provider_npi IS 'NPI of the clinician who wrote the note.';
COMMENT ON COLUMN treatment_note.provider_name IS 'Name of the clinician, as exported.';
COMMENT ON COLUMN treatment_note.credentials IS 'Credentials as exported (PT, DPT, PTA, OT, OTR/L, ...).';
COMMENT ON COLUMN treatment_note.minutes IS 'Treatment minutes documented for the visit.';
COMMENT ON COLUMN treatment_note.signed_date IS 'Date the note was signed.';
COMMENT ON COLUMN treatment_note.note_text IS 'The note as written (PHI).';
COMMENT ON COLUMN treatment_note.elements_source IS 'rules (found by the documentation rules in the text) or checklist (the export said so; it overrides the rules).';
COMMENT ON COLUMN treatment_note.has_description IS 'Element 1: description of the service or technique performed.';
COMMENT ON COLUMN treatment_note.description_evidence IS 'The phrase that showed element 1, or the checklist column name.';
COMMENT ON COLUMN treatment_note.has_purpose IS 'Element 2: purpose and expected outcome (functional goal).';
COMMENT ON COLUMN treatment_note.purpose_evidence IS 'The phrase that showed element 2.';
COMMENT ON COLUMN treatment_note.has_duration IS 'Element 3: duration (minutes) and frequency (visits per week, plan length).';
COMMENT ON COLUMN treatment_note.duration_evidence IS 'The phrase that showed element 3.';
COMMENT ON COLUMN treatment_note.has_rationale IS 'Element 4: clinical rationale for a nonstandard approach.';
COMMENT ON COLUMN treatment_note.rationale_evidence IS 'The phrase that showed element 4.';
COMMENT ON COLUMN treatment_note.has_credentials IS 'Element 5: provider credentials with signature.';
COMMENT ON COLUMN treatment_note.credentials_evidence IS 'The phrase that showed element 5.';
COMMENT ON COLUMN treatment_note.has_involvement IS 'Element 6: direct patient involvement (one-on-one, hands-on, provider present).';
COMMENT ON COLUMN treatment_note.involvement_evidence IS 'The phrase that showed element 6.';
COMMENT ON COLUMN treatment_note.elements_present IS 'How many of the six elements were found (6 = complete note).';
