-- Every claim line in force, for a reader that keeps them in memory and chooses among them
-- itself (metrics.in_scope); callers project the columns they need.
SELECT * FROM line_adjudication;
