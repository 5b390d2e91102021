/*
 * The parser's tables and their columns: the one place that says which value of the parse goes
 * into which DuckDB column. _x12parse.c expands these lists into everything else: the column
 * indexes (enums CL_ID, LN_ID, ...), the column names and types (SCHEMAS, also what schemas()
 * tells Python), the column counts, and the code that writes a row (WRITE_ROW). Adding a column
 * is one line here plus its migration under queries/schema/ (docs/adding-a-column.md).
 *
 * A column is X(INDEX, "duckdb_name", KIND, value):
 *   INDEX  the column's index in its table (an enum constant, unique in the file)
 *   name   the DuckDB column name (queries/schema/)
 *   KIND   STR          large_string; the value is a Str, empty text is NULL
 *          I64          int64; the value is an int64_t, never NULL
 *          I64_OR_NULL  int64; the value is a const int64_t *, NULL pointer for NULL
 *          BOOL         bool; the value is an int, never NULL
 *          DEC2         decimal128(18,2), money; the value is a Str the parser checked with
 *                       amount() (empty: NULL)
 *          DEC3         decimal128(15,3), a quantity; a Str checked with quantity()
 *          DATE         date32; a Str checked with date_field() (CCYY-MM-DD; empty: NULL)
 *   value  a C expression, evaluated where the row is written: it may use only the names the
 *          table's comment lists (the parameters and locals of the function that writes it).
 *          Rows are written while feed() runs without the GIL: no Python API in a value.
 * Columns are written (and their values evaluated) in the order listed, and the order is the
 * column order of the Arrow batches. A value that needs statements of its own is computed into
 * a local of the writing function first (`number`, `date` of claim_line) and named here.
 * Portable C11 only (MSVC compiles it too): the lists are plain macros, no extensions.
 */
#ifndef X12_COLUMNS_H
#define X12_COLUMNS_H

/* The tables, in the order the parser keeps (and hands over) them:
 * T(table index, DuckDB table name, its column list) */
#define X12_TABLES(T)                                                                         \
    T(TB_CLAIM, "claim", CLAIM_COLUMNS)                                                       \
    T(TB_LINE, "claim_line", CLAIM_LINE_COLUMNS)                                              \
    T(TB_REMIT, "remit", REMIT_COLUMNS)                                                       \
    T(TB_REMIT_CLAIM, "remit_claim", REMIT_CLAIM_COLUMNS)                                     \
    T(TB_REMIT_LINE, "remit_line", REMIT_LINE_COLUMNS)                                        \
    T(TB_ADJUSTMENT, "adjustment", ADJUSTMENT_COLUMNS)                                        \
    T(TB_REMARK, "remark", REMARK_COLUMNS)                                                    \
    T(TB_PLB, "provider_adjustment", PROVIDER_ADJUSTMENT_COLUMNS)

/* 837P CLM (close_claim837): P (Parser *), c (Claim837 *), s (Subscriber *), p (Patient *),
 * own (the patient has an HL of its own, else the subscriber is the patient). */
#define CLAIM_COLUMNS(X)                                                                      \
    X(CL_ID, "claim_id", I64, c->id)                                                          \
    X(CL_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(CL_LOC, "source_position", I64, c->seg)                                                 \
    X(CL_TXN, "transaction_control", STR, fstr(&P->st02))                                     \
    X(CL_PCN, "patient_control_number", STR, fstr(&c->pcn))                                   \
    X(CL_FREQ, "frequency_code", STR, fstr(&c->freq))                                         \
    X(CL_POS, "place_of_service", STR, fstr(&c->pos))                                         \
    X(CL_CHARGE, "total_charge", DEC2, fstr(&c->charge))                                      \
    X(CL_PAYER_ID, "payer_id", STR, fstr(&s->payer_id))                                       \
    X(CL_PAYER_NAME, "payer_name", STR, fstr(&s->payer_name))                                 \
    X(CL_RESP, "payer_responsibility", STR, fstr(&s->responsibility))                         \
    X(CL_FILING, "claim_filing_indicator", STR, fstr(&s->filing))                             \
    X(CL_SUB_ID, "subscriber_member_id", STR, fstr(&s->member))                               \
    X(CL_SUB_LAST, "subscriber_last_name", STR, fstr(&s->last))                               \
    X(CL_SUB_FIRST, "subscriber_first_name", STR, fstr(&s->first))                            \
    X(CL_SUB_DOB, "subscriber_birth_date", DATE, fstr(&s->dob))                               \
    X(CL_PAT_LAST, "patient_last_name", STR, own ? fstr(&p->last) : fstr(&s->last))           \
    X(CL_PAT_FIRST, "patient_first_name", STR, own ? fstr(&p->first) : fstr(&s->first))       \
    X(CL_PAT_DOB, "patient_birth_date", DATE, own ? fstr(&p->dob) : fstr(&s->dob))            \
    X(CL_PAT_REL, "patient_relationship", STR, own ? fstr(&p->relationship) : Z("18"))        \
    X(CL_BILL_NPI, "billing_npi", STR, fstr(&P->bill.npi))                                    \
    X(CL_BILL_NAME, "billing_name", STR, fstr(&P->bill.name))                                 \
    X(CL_BILL_TAX, "billing_taxonomy", STR, fstr(&P->bill.taxonomy))                          \
    X(CL_REND_NPI, "rendering_npi", STR, fstr(&c->rend_npi))                                  \
    X(CL_REND_NAME, "rendering_name", STR, fstr(&c->rend_name))                               \
    X(CL_REND_TAX, "rendering_taxonomy", STR, fstr(&c->rend_tax))                             \
    X(CL_FAC_NPI, "service_facility_npi", STR, fstr(&c->fac_npi))                             \
    X(CL_FAC_NAME, "service_facility_name", STR, fstr(&c->fac_name))                          \
    X(CL_PRIOR, "prior_authorization", STR, fstr(&c->prior))                                  \
    X(CL_REFERRAL, "referral_number", STR, fstr(&c->referral))                                \
    X(CL_ORIGINAL, "original_claim_number", STR, fstr(&c->original))                          \
    X(CL_DIAG, "diagnosis_codes", STR, tstr(&c->diag))                                        \
    X(CL_ATTACH, "attachment_types", STR, tstr(&c->attach))                                   \
    X(CL_NOTE, "claim_note", STR, tstr(&c->notes))                                            \
    X(CL_CREATED, "created_date", DATE, fstr(&P->created))

/* 837P LX/SV1 (close_line837): P, c (Claim837 *), l (Line837 *), number (LX01, or the line's
 * position), date and date_end (the line's DTP*472, else the claim's). */
#define CLAIM_LINE_COLUMNS(X)                                                                 \
    X(LN_ID, "claim_line_id", I64, P->next_line++)                                            \
    X(LN_CLAIM, "claim_id", I64, c->id)                                                       \
    X(LN_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(LN_LOC, "source_position", I64, l->seg)                                                 \
    X(LN_NUMBER, "line_number", I64, number)                                                  \
    X(LN_CONTROL, "line_control_number", STR, fstr(&l->control))                              \
    X(LN_QUAL, "procedure_qualifier", STR, fstr(&l->comp[0]))                                 \
    X(LN_CODE, "procedure_code", STR, fstr(&l->comp[1]))                                      \
    X(LN_MOD1, "modifier_1", STR, fstr(&l->comp[2]))                                          \
    X(LN_MOD2, "modifier_2", STR, fstr(&l->comp[3]))                                          \
    X(LN_MOD3, "modifier_3", STR, fstr(&l->comp[4]))                                          \
    X(LN_MOD4, "modifier_4", STR, fstr(&l->comp[5]))                                          \
    X(LN_DESC, "description", STR, fstr(&l->comp[6]))                                         \
    X(LN_CHARGE, "charge", DEC2, fstr(&l->charge))                                            \
    X(LN_UNIT_TYPE, "unit_type", STR, fstr(&l->unit_type))                                    \
    X(LN_UNITS, "units", DEC3, fstr(&l->units))                                               \
    X(LN_POS, "place_of_service", STR, fstr(&l->pos))                                         \
    X(LN_POINTERS, "diagnosis_pointers", STR, fstr(&l->pointers))                             \
    X(LN_DATE, "service_date", DATE, date)                                                    \
    X(LN_DATE_END, "service_date_end", DATE, date_end)                                        \
    X(LN_REND_NPI, "rendering_npi", STR, fpick(&l->rend_npi, &c->rend_npi))                   \
    X(LN_REND_NAME, "rendering_name", STR, fpick(&l->rend_name, &c->rend_name))               \
    X(LN_REND_TAX, "rendering_taxonomy", STR, fpick(&l->rend_tax, &c->rend_tax))              \
    X(LN_PRIOR, "prior_authorization", STR, l->prior.n ? fstr(&l->prior) : fstr(&c->prior))   \
    X(LN_NOTE, "line_note", STR, fstr(&l->note))

/* 835 BPR/TRN/N1 header, written at SE (commit835): P, payer_id (REF*2U, else N1*PR04, else
 * TRN03). */
#define REMIT_COLUMNS(X)                                                                      \
    X(RM_ID, "remit_id", I64, P->remit_id)                                                    \
    X(RM_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(RM_LOC, "source_position", I64, P->st_seg)                                              \
    X(RM_TXN, "transaction_control", STR, fstr(&P->st02))                                     \
    X(RM_HANDLING, "handling_code", STR, fstr(&P->h_handling))                                \
    X(RM_AMOUNT, "payment_amount", DEC2, fstr(&P->h_amount))                                  \
    X(RM_CD, "credit_debit", STR, fstr(&P->h_cd))                                             \
    X(RM_METHOD, "payment_method", STR, fstr(&P->h_method))                                   \
    X(RM_DATE, "payment_date", DATE, fstr(&P->h_date))                                        \
    X(RM_TRACE, "trace_number", STR, fstr(&P->h_trace))                                       \
    X(RM_ORIGINATOR, "trace_originator", STR, fstr(&P->h_originator))                         \
    X(RM_PAYER_ID, "payer_id", STR, payer_id)                                                 \
    X(RM_PAYER_NAME, "payer_name", STR, fstr(&P->h_payer_name))                               \
    X(RM_PAYEE_ID, "payee_id", STR, fstr(&P->h_payee_id))                                     \
    X(RM_PAYEE_NAME, "payee_name", STR, fstr(&P->h_payee_name))                               \
    X(RM_PRODUCTION, "production_date", DATE, fstr(&P->h_production))

/* 835 CLP (close_claim835): P, c (Claim835 *). */
#define REMIT_CLAIM_COLUMNS(X)                                                                \
    X(RC_ID, "remit_claim_id", I64, c->id)                                                    \
    X(RC_REMIT, "remit_id", I64, P->remit_id)                                                 \
    X(RC_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(RC_LOC, "source_position", I64, c->seg)                                                 \
    X(RC_PCN, "patient_control_number", STR, fstr(&c->pcn))                                   \
    X(RC_STATUS, "status_code", STR, fstr(&c->status))                                        \
    X(RC_CHARGE, "total_charge", DEC2, fstr(&c->charge))                                      \
    X(RC_PAID, "paid_amount", DEC2, fstr(&c->paid))                                           \
    X(RC_PR, "patient_responsibility", DEC2, fstr(&c->pr))                                    \
    X(RC_FILING, "claim_filing_indicator", STR, fstr(&c->filing))                             \
    X(RC_ICN, "payer_claim_number", STR, fstr(&c->icn))                                       \
    X(RC_FACILITY, "facility_code", STR, fstr(&c->facility))                                  \
    X(RC_FREQ, "frequency_code", STR, fstr(&c->freq))                                         \
    X(RC_REVERSAL, "is_reversal", BOOL, eq(fstr(&c->status), "22"))                           \
    X(RC_PAT_LAST, "patient_last_name", STR, fstr(&c->last))                                  \
    X(RC_PAT_FIRST, "patient_first_name", STR, fstr(&c->first))                               \
    X(RC_PAT_MEMBER, "patient_member_id", STR, fstr(&c->member))                              \
    X(RC_SUB_MEMBER, "subscriber_member_id", STR, fstr(&c->subscriber))                       \
    X(RC_REND, "rendering_npi", STR, fstr(&c->rendering))                                     \
    X(RC_CROSSOVER, "crossover_payer_name", STR, fstr(&c->crossover))                         \
    X(RC_RECEIVED, "received_date", DATE, fstr(&c->received))                                 \
    X(RC_FROM, "statement_from", DATE, fstr(&c->from))                                        \
    X(RC_TO, "statement_to", DATE, fstr(&c->to))                                              \
    X(RC_COVERAGE, "coverage_amount", DEC2, fstr(&c->coverage))                               \
    X(RC_INTEREST, "interest_amount", DEC2, fstr(&c->interest))

/* 835 SVC (close_line835): P, c (Claim835 *), l (Line835 *), end (DTM*151, else DTM*150 or
 * DTM*472). */
#define REMIT_LINE_COLUMNS(X)                                                                 \
    X(RL_ID, "remit_line_id", I64, l->id)                                                     \
    X(RL_CLAIM, "remit_claim_id", I64, c->id)                                                 \
    X(RL_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(RL_LOC, "source_position", I64, l->seg)                                                 \
    X(RL_POSITION, "position", I64, l->position)                                              \
    X(RL_QUAL, "procedure_qualifier", STR, fstr(&l->comp[0]))                                 \
    X(RL_CODE, "procedure_code", STR, fstr(&l->comp[1]))                                      \
    X(RL_MOD1, "modifier_1", STR, fstr(&l->comp[2]))                                          \
    X(RL_MOD2, "modifier_2", STR, fstr(&l->comp[3]))                                          \
    X(RL_MOD3, "modifier_3", STR, fstr(&l->comp[4]))                                          \
    X(RL_MOD4, "modifier_4", STR, fstr(&l->comp[5]))                                          \
    X(RL_CHARGE, "charge", DEC2, fstr(&l->charge))                                            \
    X(RL_PAID, "paid_amount", DEC2, fstr(&l->paid))                                           \
    X(RL_REVENUE, "revenue_code", STR, fstr(&l->revenue))                                     \
    X(RL_UNITS, "units", DEC3, l->units.n ? fstr(&l->units) : Z("1"))                         \
    X(RL_SUB_QUAL, "submitted_procedure_qualifier", STR, fstr(&l->sub[0]))                    \
    X(RL_SUB_CODE, "submitted_procedure_code", STR, fstr(&l->sub[1]))                         \
    X(RL_SUB_MOD1, "submitted_modifier_1", STR, fstr(&l->sub[2]))                             \
    X(RL_SUB_MOD2, "submitted_modifier_2", STR, fstr(&l->sub[3]))                             \
    X(RL_SUB_UNITS, "submitted_units", DEC3, fstr(&l->sub_units))                             \
    X(RL_DATE, "service_date", DATE, fstr(&l->date))                                          \
    X(RL_DATE_END, "service_date_end", DATE, end)                                             \
    X(RL_CONTROL, "line_control_number", STR, fstr(&l->control))                              \
    X(RL_ALLOWED, "allowed_amount", DEC2, fstr(&l->allowed))

/* 835 CAS, a row per reason (seg835): P, c (Claim835 *), l (Line835 *: open inside an SVC),
 * n (the segment's position), group (CAS01), reason, value (the amount), qty (the quantity). */
#define ADJUSTMENT_COLUMNS(X)                                                                 \
    X(AD_CLAIM, "remit_claim_id", I64, c->id)                                                 \
    X(AD_LINE, "remit_line_id", I64_OR_NULL, l->open ? &l->id : NULL)                         \
    X(AD_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(AD_LOC, "source_position", I64, n)                                                      \
    X(AD_LEVEL, "level", STR, Z(l->open ? "line" : "claim"))                                  \
    X(AD_GROUP, "group_code", STR, group)                                                     \
    X(AD_REASON, "reason_code", STR, reason)                                                  \
    X(AD_AMOUNT, "amount", DEC2, fstr(&value))                                                \
    X(AD_QTY, "quantity", DEC3, fstr(&qty))

/* 835 MOA, MIA and LQ remark codes (remark_row): P, n (the segment's position), level, source
 * (C strings), qualifier, code (Str), with_line (an LQ of the open SVC). */
#define REMARK_COLUMNS(X)                                                                     \
    X(RK_CLAIM, "remit_claim_id", I64, P->c5.id)                                              \
    X(RK_LINE, "remit_line_id", I64_OR_NULL, with_line ? &P->l5.id : NULL)                    \
    X(RK_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(RK_LOC, "source_position", I64, n)                                                      \
    X(RK_LEVEL, "level", STR, Z(level))                                                       \
    X(RK_SOURCE, "source_segment", STR, Z(source))                                            \
    X(RK_QUAL, "qualifier", STR, qualifier)                                                   \
    X(RK_CODE, "code", STR, code)

/* 835 PLB, a row per adjustment (seg835): P, n (the segment's position), fiscal (PLB02),
 * parts (the adjustment identifier's components: reason, reference), value (the amount). */
#define PROVIDER_ADJUSTMENT_COLUMNS(X)                                                        \
    X(PA_REMIT, "remit_id", I64, P->remit_id)                                                 \
    X(PA_BATCH, "batch_id", I64, P->batch_id)                                                 \
    X(PA_LOC, "source_position", I64, n)                                                      \
    X(PA_PROVIDER, "provider_id", STR, E(P, 1))                                               \
    X(PA_FISCAL, "fiscal_period_date", DATE, fstr(&fiscal))                                   \
    X(PA_REASON, "reason_code", STR, parts[0])                                                \
    X(PA_REF, "reference", STR, parts[1])                                                     \
    X(PA_AMOUNT, "amount", DEC2, fstr(&value))

#endif
