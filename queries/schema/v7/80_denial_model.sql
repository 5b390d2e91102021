-- Trained denial models (`unlisted model train`, docs/denial-model.md): one row per model, the
-- model itself as JSON (feature names, coefficients, intercept), never as pickled code, so
-- reading the database runs nothing. The check and the dashboard score with the latest row.
CREATE TABLE denial_model (
    model_id                 INTEGER   NOT NULL PRIMARY KEY,
    trained_at               TIMESTAMP NOT NULL,
    cutoff                   DATE      NOT NULL,
    first_service_date       DATE      NOT NULL,
    last_service_date        DATE      NOT NULL,
    first_adjudication_date  DATE      NOT NULL,
    last_adjudication_date   DATE      NOT NULL,
    lines                    INTEGER   NOT NULL,
    denials                  INTEGER   NOT NULL,
    codes                    VARCHAR[] NOT NULL,
    program_version          VARCHAR   NOT NULL,
    fingerprint              VARCHAR   NOT NULL,
    model                    JSON      NOT NULL
);
COMMENT ON TABLE denial_model IS 'One row per trained denial model: its training window and counts, and the model as JSON (docs/denial-model.md). The latest row scores the lines.';
COMMENT ON COLUMN denial_model.model_id IS 'Identifier of the model (1, 2, ...): the latest is the largest.';
COMMENT ON COLUMN denial_model.trained_at IS 'When the model was trained (local time).';
COMMENT ON COLUMN denial_model.cutoff IS 'Training took the lines first adjudicated before this date (--before, default the day of training).';
COMMENT ON COLUMN denial_model.first_service_date IS 'Earliest service date of the training lines.';
COMMENT ON COLUMN denial_model.last_service_date IS 'Latest service date of the training lines.';
COMMENT ON COLUMN denial_model.first_adjudication_date IS 'Earliest first-adjudication date (first_remit_date) of the training lines.';
COMMENT ON COLUMN denial_model.last_adjudication_date IS 'Latest first-adjudication date of the training lines.';
COMMENT ON COLUMN denial_model.lines IS 'Training lines: adjudicated target-code lines, timely-filing denials (CARC 29) left out.';
COMMENT ON COLUMN denial_model.denials IS 'Of them, lines denied at the first adjudication.';
COMMENT ON COLUMN denial_model.codes IS 'The target codes the model was trained on ([metrics] codes).';
COMMENT ON COLUMN denial_model.program_version IS 'Version of unlisted that trained it.';
COMMENT ON COLUMN denial_model.fingerprint IS 'SHA-256 of the training lines'' features and labels and of the model''s specification: the same data gives the same fingerprint.';
COMMENT ON COLUMN denial_model.model IS 'The model as JSON: features and their words, coefficients, intercept, categories (payer, discipline) with their reference, scaling (none), training AUC and Brier score.';
