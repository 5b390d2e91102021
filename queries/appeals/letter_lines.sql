-- The finally denied lines of one claim in force, as an appeal letter lists them: identifiers,
-- codes, modifiers, units, charges, the narrative (SV101-7, line NTE), the rendering provider,
-- the final denial with its label and category, and the remark codes with their labels.
WITH lines AS (
    SELECT a.claim_line_id, c.line_number, c.line_control_number, a.service_date,
           c.service_date_end, a.procedure_code, a.modifier_1, a.modifier_2, a.modifier_3,
           a.modifier_4, a.units, a.charge, a.description, a.line_note,
           coalesce(a.expected_allowed, a.charge) AS at_stake,
           c.rendering_npi AS line_rendering_npi, c.rendering_name AS line_rendering_name,
           c.rendering_taxonomy AS line_rendering_taxonomy,
           c.prior_authorization AS line_prior_authorization,
           a.final_denial_group, a.final_denial_carc, a.final_denial_category,
           a.final_denial_date, a.latest_remark_codes, a.note_id
    FROM line_adjudication a
    JOIN claim_line c USING (claim_line_id)
    WHERE a.claim_id = $claim_id AND a.adjudicated AND a.final_denied
),
remarks AS (
    SELECT claim_line_id,
           list({'code': code, 'label': r.label} ORDER BY code) AS remarks
    FROM (SELECT claim_line_id,
                 trim(unnest(string_split(latest_remark_codes, ','))) AS code
          FROM lines)
    LEFT JOIN rarc_label r USING (code)
    GROUP BY claim_line_id
)
SELECT l.*, k.label AS denial_label, d.category_label AS denial_category_label,
       coalesce(r.remarks, []) AS remarks
FROM lines l
LEFT JOIN carc_label k ON k.code = l.final_denial_carc
LEFT JOIN (SELECT DISTINCT category, category_label FROM denial_category) d
  ON d.category = l.final_denial_category
LEFT JOIN remarks r USING (claim_line_id)
ORDER BY l.line_number, l.claim_line_id;
