CREATE TABLE load_batch (
    batch_id                   BIGINT PRIMARY KEY,
    file_name                  VARCHAR NOT NULL,
    sha256                     VARCHAR NOT NULL,
    kind                       VARCHAR,
    interchange_control_number VARCHAR,
    sender_id                  VARCHAR,
    receiver_id                VARCHAR,
    loaded_at                  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status                     VARCHAR NOT NULL,
    file_bytes                 BIGINT,
    segments                   BIGINT,
    transactions               INTEGER,
    claims                     INTEGER,
    lines                      INTEGER,
    total_charge               DECIMAL(38,2),
    total_paid                 DECIMAL(38,2),
    warnings                   INTEGER,
    rejects                    INTEGER,
    message                    VARCHAR
);
COMMENT ON TABLE load_batch IS 'One row per input file the loader has seen, whatever became of it.';
COMMENT ON COLUMN load_batch.batch_id IS 'Identifier of the load; every loaded row carries it (lineage).';
COMMENT ON COLUMN load_batch.file_name IS 'Base name of the input file (no folder).';
COMMENT ON COLUMN load_batch.sha256 IS 'SHA-256 of the file bytes (of an archive member that cannot be unpacked: of its bytes as the archive stores them); a file with the same hash is not loaded twice.';
COMMENT ON COLUMN load_batch.kind IS '835, 837P, claims-csv, remits-csv, notes-csv, notes-jsonl or contracts-csv; refused 837I/837D keep their kind.';
COMMENT ON COLUMN load_batch.interchange_control_number IS 'ISA13 of the first interchange (X12 only).';
COMMENT ON COLUMN load_batch.sender_id IS 'ISA06 interchange sender (X12 only).';
COMMENT ON COLUMN load_batch.receiver_id IS 'ISA08 interchange receiver (X12 only).';
COMMENT ON COLUMN load_batch.loaded_at IS 'When the load finished (UTC).';
COMMENT ON COLUMN load_batch.status IS 'loaded (possibly with quarantined parts, see rejects), duplicate (already loaded, nothing changed) or rejected (nothing loaded).';
COMMENT ON COLUMN load_batch.file_bytes IS 'Size of the file in bytes.';
COMMENT ON COLUMN load_batch.segments IS 'X12 segments read (CSV: data rows read).';
COMMENT ON COLUMN load_batch.transactions IS 'ST/SE transaction sets read (CSV: 0).';
COMMENT ON COLUMN load_batch.claims IS 'Records loaded: claims (CLM, claims CSV), claim payments (CLP, remits CSV), notes or contract rates.';
COMMENT ON COLUMN load_batch.lines IS 'Service lines loaded: SV1 (837P) or SVC (835).';
COMMENT ON COLUMN load_batch.total_charge IS 'Sum of loaded claim charges (CLM02 or CLP03).';
COMMENT ON COLUMN load_batch.total_paid IS 'Sum of loaded claim payments (CLP04); NULL for claims.';
COMMENT ON COLUMN load_batch.warnings IS 'Number of warnings about the file; load_warning lists the first 1,000 of each code and counts the rest.';
COMMENT ON COLUMN load_batch.rejects IS 'Number of rows in reject for this batch.';
COMMENT ON COLUMN load_batch.message IS 'One-line summary for people: what happened and, on rejection, what to do.';
