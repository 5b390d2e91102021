-- allowed_per_unit: what each payer allowed per unit of each target code, by service month and
-- over the whole history window (service_month NULL), with the codes the payer paid it as.
-- Grain: payer_id, code (the billed code), service_month (NULL: every month of the window).
-- Parameters: $codes (the billed codes), $as_of (DATE), $history_months (whole months).
-- The window: service dates after the as-of date minus history_months months, up to the as-of
-- date. Its lines are the target-code lines of line_adjudication (claims in force, voids and
-- services billed again to a secondary payer already left out) on claims billed as primary
-- (SBR01 not S or T: a secondary payer's allowed follows the primary's, it prices nothing).
-- A line is paid when an adjudication of the claim's payer stands, its first one came by the
-- as-of date, its allowed amount is above zero and it has units; its allowed per unit is
-- allowed / units rounded half up to the cent, in whole numbers so that it stays exact.
-- Quartiles: linear interpolation at rank (n - 1) x q among the sorted paid lines, as
-- spreadsheets' MEDIAN and QUARTILE.INC count, exact and rounded half away from zero.
-- Recodes: each code the payer paid the line as (SVC01 when it differs from the billed SVC06),
-- with its paid lines, most lines first (then the lower code).
WITH window_lines AS (
    SELECT l.payer_id, l.payer_name, l.procedure_code AS code, l.service_date,
           l.service_month, l.units, l.allowed, l.recoded, l.adjudicated_code,
           coalesce(l.adjudicated AND l.first_remit_date <= $as_of AND l.allowed > 0
                    AND l.units > 0, false) AS paid
    FROM line_adjudication l
    JOIN claim c USING (claim_id)
    WHERE list_contains($codes, l.procedure_code)
      AND l.service_date <= $as_of
      AND l.service_date > ($as_of - to_months($history_months))::DATE
      AND coalesce(c.payer_responsibility, 'P') NOT IN ('S', 'T')
),
priced AS (
    SELECT *,
           CASE WHEN paid THEN
               ((2 * (allowed * 100)::HUGEINT * 1000 + (units * 1000)::HUGEINT)
                // (2 * (units * 1000)::HUGEINT))::DECIMAL(18, 0) * 0.01
           END::DECIMAL(18, 2) AS per_unit
    FROM window_lines
),
recode_counts AS (
    SELECT payer_id, code, service_month, adjudicated_code, count(*) AS lines
    FROM priced
    WHERE paid AND recoded
    GROUP BY GROUPING SETS ((payer_id, code, service_month, adjudicated_code),
                            (payer_id, code, adjudicated_code))
),
recodes AS (
    SELECT payer_id, code, service_month,
           list({'code': adjudicated_code, 'lines': lines}
                ORDER BY lines DESC, adjudicated_code) AS recodes
    FROM recode_counts
    GROUP BY ALL
),
grouped AS (
    SELECT payer_id, code, service_month,
           arg_max(payer_name, service_date) AS payer_name,
           count(*) AS billed_lines,
           count(*) FILTER (WHERE paid) AS lines,
           list_sort(list(per_unit) FILTER (WHERE paid)) AS sorted,
           min(service_date) FILTER (WHERE paid) AS first_service_date,
           max(service_date) FILTER (WHERE paid) AS last_service_date
    FROM priced
    GROUP BY GROUPING SETS ((payer_id, code, service_month), (payer_id, code))
),
quartiles AS (
    SELECT *,
           list_transform([1, 2, 3], lambda k: CASE
               WHEN ((lines - 1) * k) % 4 = 0 THEN sorted[((lines - 1) * k) // 4 + 1]
               ELSE round(sorted[((lines - 1) * k) // 4 + 1]
                          + (sorted[((lines - 1) * k) // 4 + 2]
                             - sorted[((lines - 1) * k) // 4 + 1])
                            * ((((lines - 1) * k) % 4) * 0.25), 2)
           END::DECIMAL(18, 2)) AS q
    FROM grouped
)
SELECT g.payer_id, g.payer_name, g.code, g.service_month, g.billed_lines, g.lines,
       CASE WHEN g.lines > 0 THEN g.q[2] END AS per_unit,
       CASE WHEN g.lines > 0 THEN g.q[1] END AS low,
       CASE WHEN g.lines > 0 THEN g.q[3] END AS high,
       g.first_service_date, g.last_service_date,
       coalesce(r.recodes, []) AS recodes
FROM quartiles g
LEFT JOIN recodes r
  ON r.payer_id = g.payer_id AND r.code = g.code
 AND r.service_month IS NOT DISTINCT FROM g.service_month
ORDER BY g.payer_id, g.code, g.service_month NULLS FIRST;
