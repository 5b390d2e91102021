-- Rows already written of a transaction that was quarantined later: the parser hands a large
-- transaction to the database in parts, so when its end turns out bad (a wrong SE, a file cut
-- short) what was written of it goes, within the file's own database transaction. Rows are found
-- by the segments they were read from ($first..$last, the transaction's ST up to where it ended).
DELETE FROM claim WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM claim_line WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM remit WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM remit_claim WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM remit_line WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM adjustment WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM remark WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
DELETE FROM provider_adjustment
WHERE batch_id = $batch_id AND source_position BETWEEN $first AND $last;
