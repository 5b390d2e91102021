-- The minutes of timed services in a visit, apart from its total treatment time: the 8-minute
-- rule counts timed minutes only (an evaluation's minutes are untimed). Notes loaded before this
-- column existed have NULL here; their total minutes still count when every code billed at the
-- visit is timed (docs/rule-checks.md).
ALTER TABLE treatment_note ADD COLUMN timed_minutes INTEGER;
COMMENT ON COLUMN treatment_note.timed_minutes IS 'Timed treatment minutes of the visit (timed codes only), the minutes the 8-minute rule counts; NULL when the notes file does not give them.';
