/*
 * X12 837P / 835 parser: segments in, Arrow-ready columns out.
 *
 * Python reads the file in chunks and feeds UTF-8 bytes; this module walks the envelopes
 * (ISA/GS/ST .. SE/GE/IEA), parses 837P claims and 835 remittances with the rules documented
 * in docs/x12-loading.md, and appends rows to column buffers in Arrow's layouts, each with a
 * validity bitmap: large_string (int64 offsets), int64, bool, decimal128 (money in cents, and
 * quantities in thousandths, exactly as the text said) and date32 (days since 1970-01-01), so
 * that DuckDB stores them without parsing text again; take() hands the buffers themselves over,
 * uncopied. A claim or transaction with a value that cannot be read is quarantined by
 * truncating the buffers back to where it began, so nothing half-parsed is ever handed to
 * Python. Findings (warnings and rejects) go to Python lists: every one is counted (warnings by
 * code, rejects by scope and code) and the first LISTED_PER_CODE of each are listed
 * (count_warning, count_reject).
 *
 * feed() parses without the GIL, so that DuckDB can insert the previous batch on the other core
 * meanwhile: memory comes from the raw allocator, and Python objects (findings, errors, kinds)
 * are touched only while holding the GIL again (WITH_GIL). What the parser needs to know of them
 * without the GIL is copied into C fields while it holds it (nwarnings: the warnings list's
 * length, taken when feed() starts and kept up to date by every change the parser makes).
 *
 * Everything that reads input is bounds-checked: a damaged file must give a finding, never a
 * crash. Money is validated as text and kept as int64 cents: for the balance checks, the sums,
 * and the decimal128 column values.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "columns.h"

#define MAX_ELEMENTS 32
#define MAX_COMPONENTS 8
#define FIELD_MAX 264
/* Values (rows x columns) that make a batch for Python: counted in values, not rows, because
 * claim rows are three times as wide as adjustment rows. A batch ends after a transaction, or
 * inside a large one between two claims (the transaction's rows then leave in parts, and should
 * it be quarantined later, the parts already written are discarded: see discarded()). */
#define FLUSH_VALUES 3000000
/* Warnings of one code, and rejects of one scope and code, listed per file; the rest are
 * counted. A systematic problem (every line of a payer unbalanced) or a hostile file (a million
 * segments outside any transaction, a million unreadable claims) would otherwise make the lists
 * grow with the file, at a few hundred bytes of Python objects per finding, and each listed
 * finding costs the GIL. Python passes its own constant (etl/context.py); this is the default. */
#define LISTED_PER_CODE 1000
#define MAX_WARNING_CODES 64
#define MAX_REJECT_KINDS 64
/* Kinds of unknown transaction sets named in a file's kind ('277', '999', ...); more become
 * "other", so that a file of many made-up ST01 values does not make its kind grow with it. */
#define MAX_OTHER_KINDS 8

typedef struct { const char *p; Py_ssize_t n; } Str;
/* Sums of cents: one amount may reach 10^18 cents, so totals need more than 64 bits. Portable
 * C11 has no 128-bit integer: a two's complement pair, value = hi * 2^64 + lo, with the few
 * operations the sums need (no overflow is possible below 2^127 cents; the halves are added as
 * unsigned, so that even then nothing is undefined). */
typedef struct { int64_t hi; uint64_t lo; } Cents;
static const Cents ZERO_CENTS = {0, 0};
static Cents cents_of(int64_t v) { Cents c = {v < 0 ? -1 : 0, (uint64_t)v}; return c; }
static int64_t signed_of(uint64_t u) {  /* two's complement without implementation-defined casts */
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}
static Cents cents_add(Cents a, Cents b) {
    Cents r;
    r.lo = a.lo + b.lo;
    r.hi = signed_of((uint64_t)a.hi + (uint64_t)b.hi + (r.lo < a.lo));
    return r;
}
static Cents cents_neg(Cents a) {
    Cents r;
    r.lo = ~a.lo + 1;
    r.hi = signed_of(~(uint64_t)a.hi + (r.lo == 0));
    return r;
}
static Cents cents_sub(Cents a, Cents b) { return cents_add(a, cents_neg(b)); }
static int cents_eq(Cents a, Cents b) { return a.hi == b.hi && a.lo == b.lo; }
#define CENTS_ADD(sum, v) ((sum) = cents_add((sum), (v)))

/* Runs the statements holding the GIL, whether or not the caller holds it (feed() does not). */
#define WITH_GIL(...) do { PyGILState_STATE gil_ = PyGILState_Ensure(); __VA_ARGS__; \
                           PyGILState_Release(gil_); } while (0)

static void no_memory(void) { WITH_GIL(PyErr_NoMemory()); }

static Str S(const char *p, Py_ssize_t n) { Str s = {p, n}; return s; }
/* An entity or party code (NM101, N101) into char[4], at most 3 bytes; no printf: per segment. */
static void copy_code(char *out, Str code) {
    size_t n = code.n > 3 ? 3 : (size_t)code.n;
    memcpy(out, code.p, n);
    out[n] = 0;
}
static Str Z(const char *p) { return S(p, (Py_ssize_t)strlen(p)); }
static const Str EMPTY = {"", 0};
static int eq(Str s, const char *lit) {
    size_t n = strlen(lit);
    return (size_t)s.n == n && memcmp(s.p, lit, n) == 0;
}

/* ---------------------------------------------------------------- columns and tables */

/* Column kinds; DEC2 is DECIMAL(18,2) money, DEC3 DECIMAL(15,3) quantities. */
enum { T_STR = 0, T_I64 = 1, T_BOOL = 2, T_DEC2 = 3, T_DEC3 = 4, T_DATE = 5 };

/* Bytes per value in the data buffer of a fixed-width column (bool: a byte per row, of which
 * the bitmap uses one bit). */
static size_t value_bytes(int type) {
    return type == T_I64 ? 8 : type == T_DEC2 || type == T_DEC3 ? 16 : type == T_DATE ? 4 : 1;
}

typedef struct {
    const char *name;
    int type;
    char *data; size_t dlen, dcap;     /* string bytes, or int64/bool values */
    int64_t *offsets;                  /* strings: n + 1 offsets */
    uint8_t *valid;                    /* validity bitmap */
    size_t n, cap;                     /* rows held */
} Col;

typedef struct {
    const char *name;
    int ncols;
    Col *cols;
    size_t n;                          /* complete rows */
} Table;

static int grow(void **buf, size_t *cap, size_t need, size_t unit) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *p = PyMem_RawRealloc(*buf, c * unit);
    if (!p) { no_memory(); return -1; }
    *buf = p; *cap = c;
    return 0;
}

/* Grows a column to hold `need` rows. Kept out of col_reserve_row, which every value calls and
 * which should stay small enough to inline. */
static int col_grow_rows(Col *c, size_t need) {
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < need) cap *= 2;
    uint8_t *v = PyMem_RawRealloc(c->valid, (cap + 7) / 8);
    if (!v) { no_memory(); return -1; }
    memset(v + (c->cap + 7) / 8, 0, (cap + 7) / 8 - (c->cap + 7) / 8);
    c->valid = v;
    if (c->type == T_STR) {
        int64_t *o = PyMem_RawRealloc(c->offsets, (cap + 1) * sizeof(int64_t));
        if (!o) { no_memory(); return -1; }
        if (c->cap == 0) o[0] = 0;
        c->offsets = o;
    } else {
        size_t unit = value_bytes(c->type);
        size_t dcap = c->cap;
        void *d = c->data;
        if (grow(&d, &dcap, cap, unit) < 0) return -1;
        memset((char *)d + c->cap * unit, 0, (dcap - c->cap) * unit);
        c->data = d;
    }
    c->cap = cap;
    return 0;
}

static inline int col_reserve_row(Col *c) {
    return c->n + 2 > c->cap ? col_grow_rows(c, c->n + 2) : 0;
}

static void set_valid(Col *c, size_t i, int valid) {
    if (valid) c->valid[i >> 3] |= (uint8_t)(1u << (i & 7));
    else c->valid[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* Bytes above 0x7F must form valid UTF-8 (Arrow requires it); anything else becomes '?'. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n) {
    size_t i = 0;
    /* X12 is nearly always ASCII: eight bytes at a time while no byte has its high bit set */
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL) break;
    }
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        if (c < 0x80) { i++; continue; }
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
        else if ((c & 0xF0) == 0xE0) len = 3;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
        else return i;
        if (i + len > n) return i;
        for (size_t k = 1; k < len; k++) if ((s[i + k] & 0xC0) != 0x80) return i;
        if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0))) return i;
        if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))) return i;
        i += len;
    }
    return n;
}

/* per thread: parsers in two threads each count their own feed() */
static _Thread_local Py_ssize_t replaced_bytes = 0;

/* Whether the bytes are all ASCII, as X12 nearly always is: OR-ed together, without a branch
 * per byte. Checked on the input, before copying (reading back bytes just copied stalls). */
static inline int all_ascii(const unsigned char *s, size_t n) {
    uint64_t high = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { uint64_t w; memcpy(&w, s + i, 8); high |= w; }
    for (; i < n; i++) high |= s[i];
    return !(high & 0x8080808080808080ULL);
}

static int col_str(Col *c, Str s, int valid) {
    if (col_reserve_row(c) < 0) return -1;
    size_t i = c->n;
    if (valid) {
        if (c->dlen + (size_t)s.n + 1 > c->dcap) {
            void *d = c->data;
            if (grow(&d, &c->dcap, c->dlen + (size_t)s.n + 1, 1) < 0) return -1;
            c->data = d;
        }
        char *dst = c->data + c->dlen;
        memcpy(dst, s.p, (size_t)s.n);
        if (!all_ascii((const unsigned char *)s.p, (size_t)s.n)) {
            size_t done = 0;
            while (done < (size_t)s.n) {
                size_t ok = utf8_valid_prefix((const unsigned char *)dst + done, (size_t)s.n - done);
                done += ok;
                if (done < (size_t)s.n) { dst[done++] = '?'; replaced_bytes++; }
            }
        }
        c->dlen += (size_t)s.n;
    }
    c->offsets[i + 1] = (int64_t)c->dlen;
    set_valid(c, i, valid);
    c->n++;
    return 0;
}

static int col_i64(Col *c, int64_t v, int valid) {
    if (col_reserve_row(c) < 0) return -1;
    ((int64_t *)c->data)[c->n] = valid ? v : 0;
    set_valid(c, c->n, valid);
    c->n++;
    return 0;
}

/* Booleans are a bitmap, as Arrow keeps them. */
static int col_bool(Col *c, int v) {
    if (col_reserve_row(c) < 0) return -1;
    uint8_t *bits = (uint8_t *)c->data;
    if (v) bits[c->n >> 3] |= (uint8_t)(1u << (c->n & 7));
    else bits[c->n >> 3] &= (uint8_t)~(1u << (c->n & 7));
    set_valid(c, c->n, 1);
    c->n++;
    return 0;
}

/* decimal128: the unscaled value, little-endian two's complement over 16 bytes. */
static int col_dec(Col *c, int64_t v, int valid) {
    if (col_reserve_row(c) < 0) return -1;
    int64_t *slot = (int64_t *)(c->data + c->n * 16);
    slot[0] = valid ? v : 0;
    slot[1] = valid && v < 0 ? -1 : 0;
    set_valid(c, c->n, valid);
    c->n++;
    return 0;
}

static int col_date(Col *c, int32_t days, int valid) {
    if (col_reserve_row(c) < 0) return -1;
    ((int32_t *)c->data)[c->n] = valid ? days : 0;
    set_valid(c, c->n, valid);
    c->n++;
    return 0;
}

static void col_truncate(Col *c, size_t n) {
    if (n >= c->n) return;
    c->n = n;
    if (c->type == T_STR) c->dlen = (size_t)c->offsets[n];
}

/* After take(): every value is written whole, validity bit included, so no buffer needs zeroing. */
static void col_clear(Col *c) {
    c->n = 0; c->dlen = 0;
    if (c->offsets) c->offsets[0] = 0;
}

static void col_free(Col *c) {
    PyMem_RawFree(c->data); PyMem_RawFree(c->offsets); PyMem_RawFree(c->valid);
    c->data = NULL; c->offsets = NULL; c->valid = NULL; c->n = c->cap = c->dlen = c->dcap = 0;
}

/* Table schemas, expanded from the column lists of columns.h (the one place a column is named):
 * per table an enum of column indexes (CL_ID, ...; its last constant, TB_..._NCOLS, the count),
 * an array of names and types, and the table's entry in SCHEMAS. */
typedef struct { const char *name; int type; } ColSpec;

/* KIND of a column list -> the column's type, and the put function its value is written with */
#define KIND_TYPE_STR T_STR
#define KIND_TYPE_I64 T_I64
#define KIND_TYPE_I64_OR_NULL T_I64
#define KIND_TYPE_BOOL T_BOOL
#define KIND_TYPE_DEC2 T_DEC2
#define KIND_TYPE_DEC3 T_DEC3
#define KIND_TYPE_DATE T_DATE
#define KIND_PUT_STR put_str
#define KIND_PUT_I64 put_i64
#define KIND_PUT_I64_OR_NULL put_i64_or_null
#define KIND_PUT_BOOL put_bool
#define KIND_PUT_DEC2 put_str
#define KIND_PUT_DEC3 put_str
#define KIND_PUT_DATE put_str

#define COLUMN_INDEX(index, name, kind, value) index,
#define COLUMN_SPEC(index, name, kind, value) {name, KIND_TYPE_##kind},
#define TABLE_INDEX(table, name, COLUMNS) table,
#define TABLE_COLUMNS(table, name, COLUMNS)                                                   \
    enum { COLUMNS(COLUMN_INDEX) table##_NCOLS };                                             \
    static const ColSpec table##_COLS[] = {COLUMNS(COLUMN_SPEC)};
#define TABLE_SCHEMA(table, name, COLUMNS) {name, table##_COLS, table##_NCOLS},

enum { X12_TABLES(TABLE_INDEX) TB_N };
X12_TABLES(TABLE_COLUMNS)
static const struct { const char *name; const ColSpec *cols; int n; } SCHEMAS[TB_N] = {
    X12_TABLES(TABLE_SCHEMA)};

/* A row is written column by column; row_end() fills the columns left out with NULL. */
static int col_value(Col *c, Str s);
/* Text for any column but int64 and bool; empty text is NULL. */
static int put_str(Table *t, int col, Str s) {
    Col *c = &t->cols[col];
    if (c->n != t->n) return 0;
    return c->type == T_STR ? col_str(c, s, s.n > 0) : col_value(c, s);
}
static int put_i64(Table *t, int col, int64_t v) {
    Col *c = &t->cols[col];
    if (c->n != t->n) return 0;
    return col_i64(c, v, 1);
}
static int put_bool(Table *t, int col, int v) {
    Col *c = &t->cols[col];
    if (c->n != t->n) return 0;
    return col_bool(c, v);
}
/* NULL (no pointer) is left to row_end(). */
static int put_i64_or_null(Table *t, int col, const int64_t *v) {
    return v ? put_i64(t, col, *v) : 0;
}
static int row_end(Table *t) {
    for (int i = 0; i < t->ncols; i++) {
        Col *c = &t->cols[i];
        if (c->n == t->n) {
            int rc = c->type == T_STR ? col_str(c, EMPTY, 0)
                   : c->type == T_I64 ? col_i64(c, 0, 0)
                   : c->type == T_BOOL ? col_bool(c, 0)
                   : c->type == T_DATE ? col_date(c, 0, 0) : col_dec(c, 0, 0);
            if (rc < 0) return -1;
        }
    }
    t->n++;
    return 0;
}
/* Writes a row of `table` from its column list (columns.h): each value, in the list's order,
 * with its kind's put function, then row_end(). Inside a function returning int, where the
 * list's values are in scope: returns -1 from it when a value cannot be written (out of memory,
 * an unchecked value; the exception is set). */
#define PUT_COLUMN(index, name, kind, value)                                                  \
    if (KIND_PUT_##kind(row_, index, value) < 0) return -1;
#define WRITE_ROW(table, COLUMNS)                                                             \
    do {                                                                                      \
        Table *row_ = (table);                                                                \
        COLUMNS(PUT_COLUMN)                                                                   \
        if (row_end(row_) < 0) return -1;                                                     \
    } while (0)
static void table_truncate(Table *t, size_t n) {
    for (int i = 0; i < t->ncols; i++) col_truncate(&t->cols[i], n);
    t->n = n;
}

/* ---------------------------------------------------------------- buffers handed to Python */

/* take() hands a column's memory itself to Python, as a ColumnBuffer that Arrow wraps without
 * copying, and gives the column a new block the size of this batch's. Copying each batch into
 * bytes (about three times the file's size in column data, into fresh pages) took a sixth of the
 * time of parsing an 835. */
typedef struct {
    PyObject_HEAD
    void *p;
    Py_ssize_t len;                    /* the bytes that hold values */
} ColumnBuffer;

static void ColumnBuffer_dealloc(ColumnBuffer *b) {
    PyMem_RawFree(b->p);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static int ColumnBuffer_getbuffer(ColumnBuffer *b, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)b, b->p, b->len, 1, flags);
}

static PyBufferProcs ColumnBuffer_as_buffer = {.bf_getbuffer = (getbufferproc)ColumnBuffer_getbuffer};

static PyTypeObject ColumnBufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "unlisted.etl.x12._x12parse.ColumnBuffer",
    .tp_basicsize = sizeof(ColumnBuffer),
    .tp_dealloc = (destructor)ColumnBuffer_dealloc,
    .tp_as_buffer = &ColumnBuffer_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A column's memory handed over by Parser.take(), read through the buffer protocol.",
};

/* Hands *p (allocated; its first len bytes hold values) to a new ColumnBuffer and puts a new
 * block of `need` bytes in its place. NULL (an exception set) leaves *p as it was. */
static PyObject *hand_over(void **p, size_t len, size_t need) {
    void *fresh = PyMem_RawMalloc(need ? need : 1);
    if (!fresh) return PyErr_NoMemory();
    ColumnBuffer *b = PyObject_New(ColumnBuffer, &ColumnBufferType);
    if (!b) { PyMem_RawFree(fresh); return NULL; }
    b->p = *p;
    b->len = (Py_ssize_t)len;
    *p = fresh;
    return (PyObject *)b;
}

/* ---------------------------------------------------------------- values */

/* A field copied out of the input (the input buffer does not outlive feed()). */
typedef struct { char buf[FIELD_MAX]; int n; int set; } Field;

static _Thread_local Py_ssize_t truncated_values = 0;  /* counted per feed() call */

static void fset(Field *f, Str s) {
    Py_ssize_t n = s.n < FIELD_MAX ? s.n : FIELD_MAX;
    if (n < s.n) truncated_values++;
    memcpy(f->buf, s.p, (size_t)n);
    f->n = (int)n; f->set = 1;
}
static void fclear(Field *f) { f->n = 0; f->set = 0; }
static Str fstr(const Field *f) { return S(f->buf, f->n); }
/* Field value if set, else the fallback's (used for line -> claim defaults). */
static Str fpick(const Field *f, const Field *fallback) { return f->set ? fstr(f) : fstr(fallback); }

/* A growable text (notes, codes lists). */
typedef struct { char *p; size_t n, cap; } Text;
static int text_add(Text *t, const char *sep, Str s) {
    size_t sl = t->n ? strlen(sep) : 0;
    void *p = t->p;
    if (grow(&p, &t->cap, t->n + sl + (size_t)s.n + 1, 1) < 0) return -1;
    t->p = p;
    if (sl) { memcpy(t->p + t->n, sep, sl); t->n += sl; }
    memcpy(t->p + t->n, s.p, (size_t)s.n);
    t->n += (size_t)s.n;
    return 0;
}
static Str tstr(const Text *t) { return S(t->p ? t->p : "", (Py_ssize_t)t->n); }

/* *v = *v * 10 + digit for a non-negative *v, checked: 0 (and *v unchanged) past INT64_MAX. The
 * digit limits of the readers below keep every value far from it; the check makes sure. */
static int times10_plus(int64_t *v, int digit) {
    if (*v > (INT64_MAX - digit) / 10) return 0;
    *v = *v * 10 + digit;
    return 1;
}

/* Money: -?digits{1,16}(.digits{0,2})? or .digits{1,2}; returns cents through *out. */
static int parse_amount(Str s, int64_t *out) {
    Py_ssize_t i = 0, digits = 0, decimals = 0;
    int neg = 0;
    int64_t v = 0;
    if (s.n == 0) return 0;
    if (s.p[0] == '-') { neg = 1; i = 1; }
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
        if (++digits > 16 || !times10_plus(&v, s.p[i++] - '0')) return 0;
    }
    if (i < s.n && s.p[i] == '.') {
        i++;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (++decimals > 2 || !times10_plus(&v, s.p[i++] - '0')) return 0;
        }
    }
    if (i != s.n || decimals > 2 || (digits == 0 && decimals == 0)) return 0;
    for (Py_ssize_t k = decimals; k < 2; k++) if (!times10_plus(&v, 0)) return 0;
    *out = neg ? -v : v;
    return 1;
}


/* CCYYMMDD -> year, month, day; 0 when not a calendar date. */
static int calendar_date(Str s, int *y, int *m, int *d) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s.n != 8) return 0;
    for (int i = 0; i < 8; i++) if (s.p[i] < '0' || s.p[i] > '9') return 0;
    *y = (s.p[0] - '0') * 1000 + (s.p[1] - '0') * 100 + (s.p[2] - '0') * 10 + (s.p[3] - '0');
    *m = (s.p[4] - '0') * 10 + (s.p[5] - '0');
    *d = (s.p[6] - '0') * 10 + (s.p[7] - '0');
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1) return 0;
    int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    return *d <= days[*m - 1] + (*m == 2 && leap);
}

/* CCYYMMDD -> "CCYY-MM-DD" in out[11]; 0 when not a calendar date. */
static int parse_date8(Str s, char *out) {
    int y, m, d;
    if (!calendar_date(s, &y, &m, &d)) return 0;
    memcpy(out, s.p, 4); out[4] = '-'; memcpy(out + 5, s.p + 4, 2); out[7] = '-';
    memcpy(out + 8, s.p + 6, 2); out[10] = 0;
    return 1;
}

/* Quantity: -?digits{0,12}(.digits{0,3})? with a digit somewhere; thousandths through *out. */
static int parse_quantity(Str s, int64_t *out) {
    Py_ssize_t i = 0, digits = 0, decimals = 0;
    int neg = 0;
    int64_t v = 0;
    if (s.n && s.p[0] == '-') { neg = 1; i = 1; }
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
        if (++digits > 12 || !times10_plus(&v, s.p[i++] - '0')) return 0;
    }
    if (i < s.n && s.p[i] == '.') {
        i++;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (++decimals > 3 || !times10_plus(&v, s.p[i++] - '0')) return 0;
        }
    }
    if (i != s.n || digits + decimals == 0) return 0;
    for (Py_ssize_t k = decimals; k < 3; k++) if (!times10_plus(&v, 0)) return 0;
    *out = neg ? -v : v;
    return 1;
}

/* "CCYY-MM-DD" (as parse_date8 writes it) -> days since 1970-01-01, Arrow's date32. */
static int iso_days(Str s, int32_t *out) {
    if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-') return 0;
    char digits[8] = {s.p[0], s.p[1], s.p[2], s.p[3], s.p[5], s.p[6], s.p[8], s.p[9]};
    int y, m, d;
    if (!calendar_date(S(digits, 8), &y, &m, &d)) return 0;
    /* days from civil (proleptic Gregorian), counting years from March */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = (int32_t)(era * 146097 + doe - 719468);
    return 1;
}

/* A checked value into a decimal or date column. The readers check every value before it gets
 * here (amount(), quantity(), date_field()), so a refusal is a bug of this module, reported as
 * such (without the value: it may be patient data). */
static int col_value(Col *c, Str s) {
    int64_t v = 0;
    int32_t days = 0;
    if (s.n == 0) return c->type == T_DATE ? col_date(c, 0, 0) : col_dec(c, 0, 0);
    if (c->type == T_DEC2 && parse_amount(s, &v)) return col_dec(c, v, 1);
    if (c->type == T_DEC3 && parse_quantity(s, &v)) return col_dec(c, v, 1);
    if (c->type == T_DATE && iso_days(s, &days)) return col_date(c, days, 1);
    WITH_GIL(PyErr_Format(PyExc_RuntimeError, "unchecked value in column %s", c->name));
    return -1;
}

static int is_quantity(Str s) { int64_t v; return parse_quantity(s, &v); }

/* Cents as decimal text "-123.45" (also the form Python reads the totals in). */
static void cents_text(Cents v, char *out, size_t size) {
    char digits[48];
    int n = 0;
    int negative = v.hi < 0;
    Cents m = negative ? cents_neg(v) : v;  /* the magnitude, read as unsigned */
    /* four 32-bit limbs, most significant first, divided by 10 until nothing is left */
    uint64_t limb[4] = {(uint64_t)m.hi >> 32, (uint64_t)m.hi & 0xFFFFFFFFu, m.lo >> 32,
                        m.lo & 0xFFFFFFFFu};
    int more;
    do {
        uint64_t rem = 0;
        more = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = rem << 32 | limb[i];
            limb[i] = cur / 10;
            rem = cur % 10;
            more |= limb[i] != 0;
        }
        digits[n++] = (char)('0' + (int)rem);
    } while (more && n < 46);
    while (n < 3) digits[n++] = '0';
    size_t k = 0;
    if (negative && k + 1 < size) out[k++] = '-';
    for (int i = n - 1; i >= 0 && k + 2 < size; i--) {
        out[k++] = digits[i];
        if (i == 2) out[k++] = '.';
    }
    out[k] = 0;
}

/* "CAS03" from ("CAS", 3), element numbers up to 99, in out[8]; no printf: it runs per row. */
static void element_name(char *out, const char *tag, int number) {
    size_t n = strlen(tag);
    memcpy(out, tag, n);
    out[n] = (char)('0' + number / 10 % 10);
    out[n + 1] = (char)('0' + number % 10);
    out[n + 2] = 0;
}

/* Quote a value for a message: at most 20 bytes, printable ASCII only. */
static void quoted(Str s, char *out, size_t size) {
    size_t k = 0;
    out[k++] = '\'';
    for (Py_ssize_t i = 0; i < s.n && i < 20 && k + 3 < size; i++) {
        unsigned char c = (unsigned char)s.p[i];
        out[k++] = (c >= 32 && c < 127 && c != '\'') ? (char)c : '?';
    }
    out[k++] = '\''; out[k] = 0;
}

/* ---------------------------------------------------------------- parser state */

/* The records below hold their Fields last, in an anonymous union with an array of them, so
 * that starting a new record forgets its values (forget_fields) without wiping every Field's
 * buffer: a record is several kilobytes, and one starts with every claim and line. */
#define FIELDS(count, ...) union { struct { Field __VA_ARGS__; }; Field fields[count]; }
#define FIELD_COUNT(type) (sizeof ((type *)0)->fields / sizeof(Field))
#define CHECK_FIELDS(type, last) _Static_assert( \
    offsetof(type, last) + sizeof ((type *)0)->last == \
        offsetof(type, fields) + sizeof ((type *)0)->fields, \
    #type ": the count given to FIELDS must be its number of Fields")

static void forget_fields(Field *f, size_t count) {
    for (size_t i = 0; i < count; i++) { f[i].n = 0; f[i].set = 0; }
}
/* Zeroes the record's other members and forgets its values. The array is reached from the
 * record's address (the same address as (r)->fields): given (r)->fields, GCC takes it, once
 * forget_fields is inlined, for the union's first Field and warns of an overflow. */
#define CLEAR_RECORD(type, r) do { memset((r), 0, offsetof(type, fields)); \
    forget_fields((Field *)((char *)(r) + offsetof(type, fields)), FIELD_COUNT(type)); } while (0)

typedef struct {
    FIELDS(3, name, npi, taxonomy);
} Billing;
typedef struct {
    int hl;
    FIELDS(8, member, last, first, dob, payer_id, payer_name, responsibility, filing);
} Subscriber;
typedef struct {
    int hl;
    FIELDS(5, last, first, dob, relationship, member);
} Patient;

typedef struct {
    int open;
    int64_t id, seg;
    size_t mark_line;
    Text notes, attach, diag;
    Cents charge_cents, lines_cents;
    int64_t lines;                     /* 64-bit: a hostile claim may hold billions of lines */
    FIELDS(14, pcn, freq, pos, charge, prior, referral, original, rend_npi, rend_name, rend_tax,
           fac_npi, fac_name, date, date_end);
} Claim837;

typedef struct {
    int open, has_sv1, position;
    int64_t seg;
    Cents charge_cents;
    FIELDS(21, number, control, prior, note, rend_npi, rend_name, rend_tax, date, date_end,
           comp[7], charge, unit_type, units, pos, pointers);
} Line837;

typedef struct {
    int open;
    int64_t id, seg;
    Cents charge_cents, paid_cents, adjusted, interest_cents;
    int64_t lines, emitted;
    size_t mark_line, mark_adj, mark_remark;
    FIELDS(20, pcn, status, charge, paid, pr, filing, icn, facility, freq, last, first, member,
           subscriber, rendering, crossover, received, from, to, coverage, interest);
} Claim835;

typedef struct {
    int open;
    int64_t id, seg;
    Cents charge_cents, paid_cents, adjusted;
    int64_t position;
    FIELDS(23, comp[7], sub[7], charge, paid, revenue, units, sub_units, date, date_end, control,
           allowed);
} Line835;

CHECK_FIELDS(Billing, taxonomy); CHECK_FIELDS(Subscriber, filing); CHECK_FIELDS(Patient, member);
CHECK_FIELDS(Claim837, date_end); CHECK_FIELDS(Line837, pointers);
CHECK_FIELDS(Claim835, interest); CHECK_FIELDS(Line835, allowed);

enum { K_NONE, K_835, K_837P, K_REFUSED };

typedef struct {
    PyObject_HEAD
    char elem, comp, term;
    int64_t batch_id;
    int64_t next_claim, next_line, next_remit, next_remit_claim, next_remit_line;
    Table tables[TB_N];
    PyObject *warnings, *rejects, *kinds;
    Py_ssize_t nwarnings;              /* len(warnings), for use without the GIL (see top) */
    int64_t seg_no;
    /* envelope */
    int in_isa, in_gs, in_txn;
    Field isa13, gs06, gs08, st01, st02;
    int64_t st_seg, group_count, txn_count;
    int kind;
    char refusal[200];
    Py_ssize_t old_format_warned, composite_warned;  /* 1 + the warning's index, or 0 */
    /* transaction */
    size_t txn_mark[TB_N];
    int txn_flushed;                   /* some of its rows were taken before it ended */
    PyObject *discards;                /* (first, last) segments of quarantined, taken transactions */
    Py_ssize_t flush_values;
    int txn_failed;
    int64_t txn_errors;                /* problems counted (a hostile file may hold billions) */
    int64_t txn_err_seg;
    char txn_err_code[40], txn_err_msg[300];
    int64_t claim_errors;
    Py_ssize_t txn_warn_mark, claim_warn_mark;
    /* warnings counted by code, and the counts when the transaction and the claim began */
    int warning_codes;
    char warning_code[MAX_WARNING_CODES][40];
    int64_t warning_count[MAX_WARNING_CODES], txn_warning_count[MAX_WARNING_CODES],
            claim_warning_count[MAX_WARNING_CODES];
    /* rejects counted by scope and code (never dropped again), and how many to list of each */
    int reject_kinds;
    char reject_scope[MAX_REJECT_KINDS][16], reject_code[MAX_REJECT_KINDS][40];
    int64_t reject_count[MAX_REJECT_KINDS];
    Py_ssize_t listed_per_code;
    int other_kinds;                   /* unknown transaction sets named in kinds */
    int64_t claim_err_seg;
    char claim_err_code[40], claim_err_msg[300];
    /* tallies: pending for the open transaction, then committed */
    int64_t p_claims, p_lines;
    Cents p_charge, p_paid;
    int64_t transactions, claims, lines, paid_seen;
    Cents charge_cents, paid_cents;
    /* 837 */
    Field created;
    Billing bill; Subscriber sub; Patient pat;
    char entity[4];
    int in_other_payer, in_line_adj;
    Claim837 c7; Line837 l7;
    /* 835 */
    int64_t remit_id;
    Cents claims_paid, plb_total;
    char party[4];
    int header_seen, claims_started;
    Field h_handling, h_amount, h_cd, h_method, h_date, h_trace, h_originator, h_payer_name;
    Field h_payer_n1, h_payer_ref, h_payee_name, h_payee_id, h_production;
    Cents h_amount_cents;
    int64_t h_seg;
    int h_amount_ok;
    Claim835 c5; Line835 l5;
    /* scratch */
    Str el[MAX_ELEMENTS];
    int nel;
    char *scratch; size_t scratch_cap;
    Py_ssize_t replaced, truncated;
    int ready;
    int broken;                        /* take() failed halfway: rows were lost */
    int busy;                          /* inside feed(), which runs without the GIL */
} Parser;

/* ---------------------------------------------------------------- findings */

static int finding(Parser *P, PyObject *list, int64_t seg, const char *scope, const char *code,
                   const char *msg) {
    char where[40];
    if (seg >= 0) snprintf(where, sizeof where, "segment %lld", (long long)seg);
    else snprintf(where, sizeof where, "file");
    int rc = -1;
    WITH_GIL(
        PyObject *t = scope ? Py_BuildValue("(ssss)", where, code, msg, scope)
                            : Py_BuildValue("(sss)", where, code, msg);
        if (t) { rc = PyList_Append(list, t); Py_DECREF(t); }
        if (list == P->warnings) P->nwarnings = PyList_GET_SIZE(list);
    );
    return rc;
}
/* Counts a warning; whether to list it too (the first listed_per_code of its code). */
static int count_warning(Parser *P, const char *code) {
    int i = 0;
    while (i < P->warning_codes && strcmp(P->warning_code[i], code)) i++;
    if (i == MAX_WARNING_CODES) return 1;  /* more codes than the parser has: list them all */
    if (i == P->warning_codes) {
        snprintf(P->warning_code[i], sizeof P->warning_code[i], "%s", code);
        P->warning_codes++;
    }
    return P->warning_count[i]++ < P->listed_per_code;
}

/* Counts a reject; whether to list it too (the first listed_per_code of its scope and code).
 * Scopes and codes are the parser's own literals, so the table never fills in practice. */
static int count_reject(Parser *P, const char *scope, const char *code) {
    int i = 0;
    while (i < P->reject_kinds &&
           (strcmp(P->reject_code[i], code) || strcmp(P->reject_scope[i], scope)))
        i++;
    if (i == MAX_REJECT_KINDS) return 1;  /* more kinds than the parser has: list them all */
    if (i == P->reject_kinds) {
        snprintf(P->reject_scope[i], sizeof P->reject_scope[i], "%s", scope);
        snprintf(P->reject_code[i], sizeof P->reject_code[i], "%s", code);
        P->reject_kinds++;
    }
    return P->reject_count[i]++ < P->listed_per_code;
}

static void mark_claim_warnings(Parser *P) {
    P->claim_warn_mark = P->nwarnings;
    memcpy(P->claim_warning_count, P->warning_count, sizeof P->warning_count);
}

/* Warnings about rows that were quarantined would only confuse: the reject explains. The mark
 * and the counts are those of the claim's or the transaction's beginning. */
static int drop_warnings_since(Parser *P, Py_ssize_t mark, const int64_t *counts) {
    /* a once-per-file warning that goes with them may be given again later */
    if (P->old_format_warned > mark) P->old_format_warned = 0;
    if (P->composite_warned > mark) P->composite_warned = 0;
    memcpy(P->warning_count, counts, sizeof P->warning_count);
    if (P->nwarnings <= mark) return 0;  /* the usual case: no GIL needed */
    int rc;
    WITH_GIL(rc = PyList_SetSlice(P->warnings, mark, PyList_GET_SIZE(P->warnings), NULL);
             P->nwarnings = PyList_GET_SIZE(P->warnings));
    return rc;
}

#define WARN(seg, code, ...) do { if (count_warning(P, (code))) { char _m[400]; \
    snprintf(_m, sizeof _m, __VA_ARGS__); \
    if (finding(P, P->warnings, (seg), NULL, (code), _m) < 0) return -1; } } while (0)
#define REJECT(seg, scope, code, ...) do { if (count_reject(P, (scope), (code))) { char _m[500]; \
    snprintf(_m, sizeof _m, __VA_ARGS__); \
    if (finding(P, P->rejects, (seg), (scope), (code), _m) < 0) return -1; } } while (0)

/* A problem inside an open claim quarantines the claim, elsewhere the transaction. Only the
 * first problem's message is kept (and formatted): the others are counted. */
static void fail(Parser *P, int64_t seg, const char *code, const char *fmt, ...) {
    int claim_open = P->kind == K_837P ? P->c7.open : P->kind == K_835 ? P->c5.open : 0;
    int64_t *errors = claim_open ? &P->claim_errors : &P->txn_errors;
    if ((*errors)++ > 0) return;
    char *msg = claim_open ? P->claim_err_msg : P->txn_err_msg;
    size_t size = claim_open ? sizeof P->claim_err_msg : sizeof P->txn_err_msg;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    if (claim_open) {
        P->claim_err_seg = seg;
        snprintf(P->claim_err_code, sizeof P->claim_err_code, "%s", code);
    } else {
        P->txn_err_seg = seg;
        snprintf(P->txn_err_code, sizeof P->txn_err_code, "%s", code);
    }
}

static Str E(Parser *P, int i) { return i < P->nel ? P->el[i] : EMPTY; }

static int split_components(Parser *P, int64_t seg, Str s, Str *out, int *fallback) {
    char sep = P->comp;
    int n = 0;
    for (int i = 0; i < MAX_COMPONENTS; i++) out[i] = EMPTY;
    if (!memchr(s.p, sep, (size_t)s.n) && memchr(s.p, '>', (size_t)s.n) && sep != '>') {
        sep = '>';
        *fallback = 1;
    }
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i <= s.n && n < MAX_COMPONENTS; i++) {
        if (i == s.n || s.p[i] == sep) { out[n++] = S(s.p + start, i - start); start = i + 1; }
    }
    (void)seg;
    return n;
}

static int composite(Parser *P, int64_t seg, Str s, Str *out) {
    int fallback = 0;
    split_components(P, seg, s, out, &fallback);
    if (fallback && !P->composite_warned) {
        P->composite_warned = P->nwarnings + 1;
        WARN(seg, "component_separator",
             "composites use '>' although ISA16 declares '%c'; read with '>'", P->comp);
    }
    return 0;
}

/* Amount: required or optional; on a bad value, fail and return 0. */
static int amount(Parser *P, int64_t seg, Str s, const char *name, int required, Field *f,
                  Cents *cents) {
    int64_t v = 0;
    fclear(f);
    if (s.n == 0) {
        if (required) fail(P, seg, "missing_value", "%s (amount) is empty", name);
        return !required;
    }
    if (!parse_amount(s, &v)) {
        char q[32];
        quoted(s, q, sizeof q);
        fail(P, seg, "bad_amount", "%s value %s is not an amount (digits, optional '.', at most 2 decimals)", name, q);
        return 0;
    }
    fset(f, s);
    if (cents) *cents = cents_of(v);
    return 1;
}

static void quantity(Parser *P, int64_t seg, Str s, const char *name, Field *f) {
    fclear(f);
    if (s.n == 0) return;
    if (!is_quantity(s)) {
        char q[32];
        quoted(s, q, sizeof q);
        fail(P, seg, "bad_quantity", "%s value %s is not a quantity (digits, optional '.', at most 3 decimals)", name, q);
        return;
    }
    fset(f, s);
}

/* Dates never hold money: a bad one is loaded as NULL with a warning. */
static int date_field(Parser *P, int64_t seg, Str s, const char *name, Field *f) {
    char iso[11];
    fclear(f);
    if (s.n == 0) return 0;
    if (!parse_date8(s, iso)) {
        WARN(seg, "bad_date", "%s value is not a calendar date in CCYYMMDD form; loaded as empty", name);
        return 0;
    }
    fset(f, S(iso, 10));
    return 0;
}

static void person_name(Parser *P, Field *f) {
    Str last = E(P, 3), first = E(P, 4);
    fclear(f);
    if (last.n && first.n) {
        char buf[FIELD_MAX];
        int n = snprintf(buf, sizeof buf, "%.*s, %.*s", (int)(last.n > 120 ? 120 : last.n), last.p,
                         (int)(first.n > 120 ? 120 : first.n), first.p);
        fset(f, S(buf, n < (int)sizeof buf ? n : (int)sizeof buf - 1));
    } else if (last.n) {
        fset(f, last);
    } else {
        f->set = 1;  /* present but empty: the line has its own (unnamed) provider */
    }
}

static void location(int64_t seg, char *out, size_t size) {
    snprintf(out, size, "segment %lld", (long long)seg);
}

/* The claim's rows are already truncated: drop its warnings and say why it was quarantined. */
static int reject_claim(Parser *P, const char *noun, const char *where) {
    char more[64] = "";
    if (P->claim_errors > 1)
        snprintf(more, sizeof more, " (and %lld more problems)", (long long)(P->claim_errors - 1));
    if (drop_warnings_since(P, P->claim_warn_mark, P->claim_warning_count) < 0) return -1;
    REJECT(P->claim_err_seg, "claim", P->claim_err_code, "%s at %s quarantined: %s%s", noun, where,
           P->claim_err_msg, more);
    return 0;
}

/* ---------------------------------------------------------------- 837P */

static void clear_claim837(Claim837 *c) {
    Text notes = c->notes, attach = c->attach, diag = c->diag;
    CLEAR_RECORD(Claim837, c);
    notes.n = attach.n = diag.n = 0;
    c->notes = notes; c->attach = attach; c->diag = diag;
}

static int close_line837(Parser *P) {
    Line837 *l = &P->l7;
    Claim837 *c = &P->c7;
    if (!l->open) return 0;
    l->open = 0;
    P->in_line_adj = 0;
    if (!l->has_sv1) {
        fail(P, l->seg, "missing_segment", "service line (LX) has no SV1");
        return 0;
    }
    c->lines++;
    CENTS_ADD(c->lines_cents, l->charge_cents);
    if (P->claim_errors) return 0;
    int64_t number = 0;
    int digits = l->number.n > 0 && l->number.n < 10;
    for (int i = 0; i < l->number.n && digits; i++) {
        if (l->number.buf[i] < '0' || l->number.buf[i] > '9') digits = 0;
        else number = number * 10 + (l->number.buf[i] - '0');
    }
    if (!digits) number = c->lines;
    Str date = l->date.set ? fstr(&l->date) : fstr(&c->date);
    Str date_end = l->date.set ? fstr(&l->date_end) : fstr(&c->date_end);
    if (date.n == 0) WARN(l->seg, "line_without_date", "service line has no DTP*472");
    WRITE_ROW(&P->tables[TB_LINE], CLAIM_LINE_COLUMNS);
    return 0;
}

static int close_claim837(Parser *P) {
    Claim837 *c = &P->c7;
    if (!c->open) return 0;
    if (close_line837(P) < 0) return -1;
    char where[40];
    location(c->seg, where, sizeof where);
    if (P->claim_errors) {
        table_truncate(&P->tables[TB_LINE], c->mark_line);
        if (reject_claim(P, "claim", where) < 0) return -1;
    } else {
        if (c->lines == 0) WARN(c->seg, "claim_without_lines", "claim has no service lines");
        if (c->lines && !cents_eq(c->lines_cents, c->charge_cents)) {
            char a[40], b[40];
            cents_text(c->charge_cents, a, sizeof a);
            cents_text(c->lines_cents, b, sizeof b);
            WARN(c->seg, "claim_unbalanced", "CLM02 %s differs from the sum of its line charges %s", a, b);
        }
        if (!P->bill.npi.n) WARN(c->seg, "missing_billing_npi", "claim has no billing provider NPI");
        Subscriber *s = &P->sub;
        Patient *p = &P->pat;
        int own = p->hl;
        WRITE_ROW(&P->tables[TB_CLAIM], CLAIM_COLUMNS);
        P->p_claims++;
        P->p_lines += c->lines;
        CENTS_ADD(P->p_charge, c->charge_cents);
    }
    clear_claim837(c);
    P->claim_errors = 0;
    P->in_other_payer = 0;
    return 0;
}

static void new_line837(Parser *P, int64_t seg, Str number) {
    Line837 *l = &P->l7;
    CLEAR_RECORD(Line837, l);
    l->open = 1;
    l->seg = seg;
    fset(&l->number, number);
}

static int seg837(Parser *P, int64_t n, Str tag) {
    Claim837 *c = &P->c7;
    Line837 *l = &P->l7;
    const char *t = tag.p;
    int claim = c->open, line = l->open;
    switch (tag.n == 2 ? (t[0] << 8 | t[1]) : tag.n == 3 ? (t[0] << 16 | t[1] << 8 | t[2]) : 0) {
    case ('B' << 16 | 'H' << 8 | 'T'):
        return date_field(P, n, E(P, 4), "BHT04", &P->created);
    case ('H' << 8 | 'L'): {
        if (close_claim837(P) < 0) return -1;
        Str level = E(P, 3);
        P->entity[0] = 0;
        if (eq(level, "20")) {
            CLEAR_RECORD(Billing, &P->bill);
            CLEAR_RECORD(Subscriber, &P->sub);
            CLEAR_RECORD(Patient, &P->pat);
        } else if (eq(level, "22")) {
            CLEAR_RECORD(Subscriber, &P->sub);
            CLEAR_RECORD(Patient, &P->pat);
            P->sub.hl = 1;
        } else if (eq(level, "23")) {
            CLEAR_RECORD(Patient, &P->pat);
            P->pat.hl = 1;
        } else {
            char q[32];
            quoted(level, q, sizeof q);
            WARN(n, "hl_level", "HL03 level %s is not 20, 22 or 23", q);
        }
        return 0;
    }
    case ('N' << 16 | 'M' << 8 | '1'): {
        Str code = E(P, 1);
        copy_code(P->entity, code);
        if (!claim) {
            if (eq(code, "85")) { person_name(P, &P->bill.name); fset(&P->bill.npi, E(P, 9)); }
            else if (eq(code, "IL")) {
                fset(&P->sub.member, E(P, 9)); fset(&P->sub.last, E(P, 3)); fset(&P->sub.first, E(P, 4));
            } else if (eq(code, "PR")) { fset(&P->sub.payer_id, E(P, 9)); fset(&P->sub.payer_name, E(P, 3)); }
            else if (eq(code, "QC")) {
                fset(&P->pat.last, E(P, 3)); fset(&P->pat.first, E(P, 4)); fset(&P->pat.member, E(P, 9));
            }
            return 0;
        }
        if (P->in_other_payer || P->in_line_adj) return 0;
        if (eq(code, "82")) {
            if (line) { fset(&l->rend_npi, E(P, 9)); person_name(P, &l->rend_name); }
            else { fset(&c->rend_npi, E(P, 9)); person_name(P, &c->rend_name); }
        } else if (eq(code, "77") && !line) {
            fset(&c->fac_npi, E(P, 9)); fset(&c->fac_name, E(P, 3));
        }
        return 0;
    }
    case ('P' << 16 | 'R' << 8 | 'V'):
        if (eq(E(P, 1), "BI") && !claim) fset(&P->bill.taxonomy, E(P, 3));
        else if (eq(E(P, 1), "PE") && claim && !P->in_other_payer) {
            if (line) fset(&l->rend_tax, E(P, 3)); else fset(&c->rend_tax, E(P, 3));
        }
        return 0;
    case ('D' << 16 | 'M' << 8 | 'G'):
        if (claim || !E(P, 2).n) return 0;
        if (!strcmp(P->entity, "IL")) return date_field(P, n, E(P, 2), "DMG02", &P->sub.dob);
        if (!strcmp(P->entity, "QC")) return date_field(P, n, E(P, 2), "DMG02", &P->pat.dob);
        return 0;
    case ('S' << 16 | 'B' << 8 | 'R'):
        if (claim) {
            if (close_line837(P) < 0) return -1;
            P->in_other_payer = 1;
            return 0;
        }
        fset(&P->sub.responsibility, E(P, 1));
        fset(&P->sub.filing, E(P, 9));
        return 0;
    case ('P' << 16 | 'A' << 8 | 'T'):
        if (!claim) fset(&P->pat.relationship, E(P, 1));
        return 0;
    case ('C' << 16 | 'L' << 8 | 'M'): {
        if (close_claim837(P) < 0) return -1;
        clear_claim837(c);
        c->open = 1;
        c->seg = n;
        c->id = P->next_claim++;
        c->mark_line = P->tables[TB_LINE].n;
        mark_claim_warnings(P);
        P->claim_errors = 0;
        if (!P->sub.hl) fail(P, n, "claim_outside_subscriber", "CLM appears before any subscriber loop (HL 22)");
        if (!E(P, 1).n) fail(P, n, "missing_value", "CLM01 (patient control number) is empty");
        fset(&c->pcn, E(P, 1));
        amount(P, n, E(P, 2), "CLM02", 1, &c->charge, &c->charge_cents);
        Str parts[MAX_COMPONENTS];
        if (composite(P, n, E(P, 5), parts) < 0) return -1;
        fset(&c->pos, parts[0]);
        fset(&c->freq, parts[2]);
        return 0;
    }
    case ('D' << 16 | 'T' << 8 | 'P'): {
        if (!eq(E(P, 1), "472") || !claim || P->in_other_payer || P->in_line_adj) return 0;
        Str fmt = E(P, 2), value = E(P, 3);
        char a[11], b[11];
        int ok;
        if (eq(fmt, "RD8")) {
            const char *dash = memchr(value.p, '-', (size_t)value.n);
            ok = dash && parse_date8(S(value.p, dash - value.p), a) &&
                 parse_date8(S(dash + 1, value.p + value.n - dash - 1), b);
        } else if (eq(fmt, "D8") || fmt.n == 0) {
            ok = parse_date8(value, a);
            if (ok) memcpy(b, a, sizeof a);
        } else ok = 0;
        if (!ok) {
            WARN(n, "bad_date", "DTP*472 service date is not a D8 date or RD8 range; loaded as empty");
            return 0;
        }
        Field *d = line ? &l->date : &c->date, *e = line ? &l->date_end : &c->date_end;
        fset(d, S(a, 10));
        fset(e, S(b, 10));
        return 0;
    }
    case ('R' << 16 | 'E' << 8 | 'F'): {
        if (!claim || P->in_other_payer || P->in_line_adj) return 0;
        Str q = E(P, 1), v = E(P, 2);
        if (line) {
            if (eq(q, "6R")) fset(&l->control, v);
            else if (eq(q, "G1")) fset(&l->prior, v);
        } else if (eq(q, "G1")) fset(&c->prior, v);
        else if (eq(q, "9F")) fset(&c->referral, v);
        else if (eq(q, "F8")) fset(&c->original, v);
        return 0;
    }
    case ('N' << 16 | 'T' << 8 | 'E'):
        if (!claim || P->in_other_payer || P->in_line_adj) return 0;
        if (line) { fset(&l->note, E(P, 2)); return 0; }
        if (E(P, 2).n) {
            char buf[FIELD_MAX * 2];
            Str q = E(P, 1), v = E(P, 2);
            int k = q.n ? snprintf(buf, sizeof buf, "%.*s: %.*s", (int)(q.n > 8 ? 8 : q.n), q.p,
                                   (int)(v.n > FIELD_MAX ? FIELD_MAX : v.n), v.p)
                        : snprintf(buf, sizeof buf, "%.*s", (int)(v.n > FIELD_MAX ? FIELD_MAX : v.n), v.p);
            if (text_add(&c->notes, " | ", S(buf, k)) < 0) return -1;
        }
        return 0;
    case ('P' << 16 | 'W' << 8 | 'K'):
        if (claim && E(P, 1).n && !P->in_other_payer && text_add(&c->attach, ",", E(P, 1)) < 0) return -1;
        return 0;
    case ('H' << 8 | 'I'): {
        if (!claim || P->in_other_payer) return 0;
        for (int i = 1; i <= 12 && i < P->nel; i++) {
            if (!P->el[i].n) continue;
            Str parts[MAX_COMPONENTS];
            if (composite(P, n, P->el[i], parts) < 0) return -1;
            Str q = parts[0];
            if ((eq(q, "ABK") || eq(q, "ABF") || eq(q, "BK") || eq(q, "BF") || eq(q, "ABJ") ||
                 eq(q, "ABN") || eq(q, "APR")) && parts[1].n)
                if (text_add(&c->diag, ",", parts[1]) < 0) return -1;
        }
        return 0;
    }
    case ('L' << 8 | 'X'):
        if (!claim) { fail(P, n, "line_outside_claim", "LX appears before any CLM"); return 0; }
        if (close_line837(P) < 0) return -1;
        P->in_other_payer = 0;
        new_line837(P, n, E(P, 1));
        return 0;
    case ('S' << 16 | 'V' << 8 | '1'): {
        if (!claim) { fail(P, n, "line_outside_claim", "SV1 appears before any CLM"); return 0; }
        if (!line || l->has_sv1) {
            WARN(n, "missing_lx", "SV1 without its own LX; numbered by position");
            if (close_line837(P) < 0) return -1;
            P->in_other_payer = 0;
            new_line837(P, n, EMPTY);
        }
        l = &P->l7;
        l->has_sv1 = 1;
        l->seg = n;
        Str parts[MAX_COMPONENTS];
        if (composite(P, n, E(P, 1), parts) < 0) return -1;
        for (int i = 0; i < 7; i++) fset(&l->comp[i], parts[i]);
        if (!parts[1].n) WARN(n, "missing_procedure", "SV101-2 (procedure code) is empty");
        amount(P, n, E(P, 2), "SV102", 1, &l->charge, &l->charge_cents);
        fset(&l->unit_type, E(P, 3));
        quantity(P, n, E(P, 4), "SV104", &l->units);
        fset(&l->pos, E(P, 5));
        fset(&l->pointers, E(P, 7));
        return 0;
    }
    case ('S' << 16 | 'V' << 8 | 'D'):
        P->in_line_adj = 1;
        return 0;
    case ('S' << 16 | 'V' << 8 | '2'):
    case ('S' << 16 | 'V' << 8 | '3'):
        fail(P, n, "wrong_line_type", "%.*s is not a professional (SV1) service line", (int)tag.n, tag.p);
        return 0;
    }
    return 0;
}

/* ---------------------------------------------------------------- 835 */

static int close_line835(Parser *P) {
    Line835 *l = &P->l5;
    Claim835 *c = &P->c5;
    if (!l->open) return 0;
    l->open = 0;
    if (P->claim_errors) return 0;
    Str end = l->date_end.n ? fstr(&l->date_end) : fstr(&l->date);
    WRITE_ROW(&P->tables[TB_REMIT_LINE], REMIT_LINE_COLUMNS);
    if (!cents_eq(cents_sub(l->charge_cents, l->adjusted), l->paid_cents)) {
        char a[40], b[40], d[40];
        cents_text(l->charge_cents, a, sizeof a);
        cents_text(l->adjusted, b, sizeof b);
        cents_text(l->paid_cents, d, sizeof d);
        WARN(l->seg, "line_unbalanced", "SVC02 %s minus line adjustments %s is not SVC03 %s", a, b, d);
    }
    c->emitted++;
    return 0;
}

static int close_claim835(Parser *P) {
    Claim835 *c = &P->c5;
    if (!c->open) return 0;
    if (close_line835(P) < 0) return -1;
    char where[40];
    location(c->seg, where, sizeof where);
    if (P->claim_errors) {
        table_truncate(&P->tables[TB_REMIT_LINE], c->mark_line);
        table_truncate(&P->tables[TB_ADJUSTMENT], c->mark_adj);
        table_truncate(&P->tables[TB_REMARK], c->mark_remark);
        if (reject_claim(P, "claim payment", where) < 0) return -1;
    } else {
        if (!cents_eq(cents_sub(c->charge_cents, c->adjusted),
                      cents_sub(c->paid_cents, c->interest_cents))) {
            char a[40], b[40], d[40];
            cents_text(c->charge_cents, a, sizeof a);
            cents_text(c->adjusted, b, sizeof b);
            cents_text(c->paid_cents, d, sizeof d);
            WARN(c->seg, "claim_unbalanced", "CLP03 %s minus adjustments %s is not CLP04 %s", a, b, d);
        }
        WRITE_ROW(&P->tables[TB_REMIT_CLAIM], REMIT_CLAIM_COLUMNS);
        P->p_claims++;
        P->p_lines += c->emitted;
        CENTS_ADD(P->p_charge, c->charge_cents);
        CENTS_ADD(P->claims_paid, c->paid_cents);
    }
    CLEAR_RECORD(Claim835, c);
    P->claim_errors = 0;
    return 0;
}

static int remark_row(Parser *P, int64_t n, const char *level, const char *source, Str qualifier,
                      Str code, int with_line) {
    WRITE_ROW(&P->tables[TB_REMARK], REMARK_COLUMNS);
    return 0;
}

static int seg835(Parser *P, int64_t n, Str tag) {
    Claim835 *c = &P->c5;
    Line835 *l = &P->l5;
    const char *t = tag.p;
    switch (tag.n == 2 ? (t[0] << 8 | t[1]) : tag.n == 3 ? (t[0] << 16 | t[1] << 8 | t[2]) : 0) {
    case ('B' << 16 | 'P' << 8 | 'R'):
        if (P->header_seen || P->claims_started) {
            /* a second payment header cannot belong to the claims around it */
            if (close_claim835(P) < 0) return -1;
            fail(P, n, "unexpected_segment", "BPR appears after the payment header or its claims");
            return 0;
        }
        P->header_seen = 1;
        P->h_seg = n;
        fset(&P->h_handling, E(P, 1)); fset(&P->h_cd, E(P, 3)); fset(&P->h_method, E(P, 4));
        P->h_amount_ok = amount(P, n, E(P, 2), "BPR02", 1, &P->h_amount, &P->h_amount_cents);
        return date_field(P, n, E(P, 16), "BPR16", &P->h_date);
    case ('T' << 16 | 'R' << 8 | 'N'):
        if (!P->claims_started) { fset(&P->h_trace, E(P, 2)); fset(&P->h_originator, E(P, 3)); }
        return 0;
    case ('N' << 8 | '1'): {
        Str party = E(P, 1);
        if (P->claims_started) return 0;
        copy_code(P->party, party);
        if (eq(party, "PR")) { fset(&P->h_payer_name, E(P, 2)); fset(&P->h_payer_n1, E(P, 4)); }
        else if (eq(party, "PE")) { fset(&P->h_payee_name, E(P, 2)); fset(&P->h_payee_id, E(P, 4)); }
        return 0;
    }
    case ('R' << 16 | 'E' << 8 | 'F'):
        if (l->open) { if (eq(E(P, 1), "6R")) fset(&l->control, E(P, 2)); }
        else if (!c->open && !strcmp(P->party, "PR") && eq(E(P, 1), "2U")) fset(&P->h_payer_ref, E(P, 2));
        return 0;
    case ('D' << 16 | 'T' << 8 | 'M'): {
        Str q = E(P, 1);
        if (l->open) {
            if (eq(q, "472")) return date_field(P, n, E(P, 2), "DTM*472", &l->date);
            if (eq(q, "150")) return date_field(P, n, E(P, 2), "DTM*150", &l->date);
            if (eq(q, "151")) return date_field(P, n, E(P, 2), "DTM*151", &l->date_end);
        } else if (c->open) {
            if (eq(q, "050")) return date_field(P, n, E(P, 2), "DTM*050", &c->received);
            if (eq(q, "232")) return date_field(P, n, E(P, 2), "DTM*232", &c->from);
            if (eq(q, "233")) return date_field(P, n, E(P, 2), "DTM*233", &c->to);
        } else if (eq(q, "405") && !P->claims_started)
            return date_field(P, n, E(P, 2), "DTM*405", &P->h_production);
        return 0;
    }
    case ('L' << 8 | 'X'):
        return close_claim835(P);
    case ('C' << 16 | 'L' << 8 | 'P'): {
        if (close_claim835(P) < 0) return -1;
        CLEAR_RECORD(Claim835, c);
        P->claims_started = 1;
        c->open = 1;
        c->seg = n;
        c->id = P->next_remit_claim++;
        c->mark_line = P->tables[TB_REMIT_LINE].n;
        c->mark_adj = P->tables[TB_ADJUSTMENT].n;
        c->mark_remark = P->tables[TB_REMARK].n;
        mark_claim_warnings(P);
        P->claim_errors = 0;
        if (!E(P, 1).n) fail(P, n, "missing_value", "CLP01 (patient control number) is empty");
        if (!E(P, 2).n) fail(P, n, "missing_value", "CLP02 (claim status) is empty");
        fset(&c->pcn, E(P, 1)); fset(&c->status, E(P, 2));
        amount(P, n, E(P, 3), "CLP03", 1, &c->charge, &c->charge_cents);
        amount(P, n, E(P, 4), "CLP04", 1, &c->paid, &c->paid_cents);
        amount(P, n, E(P, 5), "CLP05", 0, &c->pr, NULL);
        fset(&c->filing, E(P, 6)); fset(&c->icn, E(P, 7)); fset(&c->facility, E(P, 8));
        fset(&c->freq, E(P, 9));
        return 0;
    }
    case ('C' << 16 | 'A' << 8 | 'S'): {
        if (!c->open) { fail(P, n, "cas_outside_claim", "CAS appears before any CLP"); return 0; }
        Str group = E(P, 1);
        if (!(eq(group, "CO") || eq(group, "OA") || eq(group, "PI") || eq(group, "PR") || eq(group, "CR"))) {
            char q[32];
            quoted(group, q, sizeof q);
            fail(P, n, "bad_code", "CAS01 group code %s is not CO, OA, PI or PR", q);
            return 0;
        }
        for (int k = 2; k <= 17; k += 3) {
            Str reason = E(P, k);
            if (!reason.n) {
                if (E(P, k + 1).n) fail(P, n, "missing_value", "CAS%02d has an amount but no reason", k + 1);
                continue;
            }
            char name[8];
            element_name(name, "CAS", k + 1);
            Field value, qty;
            Cents cents = ZERO_CENTS;
            if (!amount(P, n, E(P, k + 1), name, 1, &value, &cents)) continue;
            element_name(name, "CAS", k + 2);
            quantity(P, n, E(P, k + 2), name, &qty);
            CENTS_ADD(c->adjusted, cents);
            if (l->open) CENTS_ADD(l->adjusted, cents);
            WRITE_ROW(&P->tables[TB_ADJUSTMENT], ADJUSTMENT_COLUMNS);
        }
        return 0;
    }
    case ('N' << 16 | 'M' << 8 | '1'): {
        if (!c->open) return 0;
        Str code = E(P, 1);
        if (eq(code, "QC")) { fset(&c->last, E(P, 3)); fset(&c->first, E(P, 4)); fset(&c->member, E(P, 9)); }
        else if (eq(code, "IL")) fset(&c->subscriber, E(P, 9));
        else if (eq(code, "82")) fset(&c->rendering, E(P, 9));
        else if (eq(code, "TT")) fset(&c->crossover, E(P, 3));
        return 0;
    }
    case ('M' << 16 | 'O' << 8 | 'A'):
    case ('M' << 16 | 'I' << 8 | 'A'): {
        int moa = t[1] == 'O';
        if (!c->open) { fail(P, n, "remark_outside_claim", "%s appears before any CLP", moa ? "MOA" : "MIA"); return 0; }
        static const int moa_codes[] = {3, 4, 5, 6, 7}, mia_codes[] = {5, 20, 21, 22, 23, 24};
        const int *codes = moa ? moa_codes : mia_codes;
        int count = moa ? 5 : 6;
        for (int i = 0; i < count; i++) {
            Str code = E(P, codes[i]);
            if (code.n && remark_row(P, n, "claim", moa ? "MOA" : "MIA", EMPTY, code, 0) < 0) return -1;
        }
        return 0;
    }
    case ('A' << 16 | 'M' << 8 | 'T'):
        if (l->open) { if (eq(E(P, 1), "B6")) amount(P, n, E(P, 2), "AMT*B6", 0, &l->allowed, NULL); }
        else if (c->open && eq(E(P, 1), "AU")) amount(P, n, E(P, 2), "AMT*AU", 0, &c->coverage, NULL);
        /* Prompt-pay interest is part of CLP04 but not of the claim's adjudication. */
        else if (c->open && eq(E(P, 1), "I"))
            amount(P, n, E(P, 2), "AMT*I", 0, &c->interest, &c->interest_cents);
        return 0;
    case ('S' << 16 | 'V' << 8 | 'C'): {
        if (!c->open) { fail(P, n, "line_outside_claim", "SVC appears before any CLP"); return 0; }
        if (close_line835(P) < 0) return -1;
        CLEAR_RECORD(Line835, l);
        l->open = 1;
        l->seg = n;
        l->id = P->next_remit_line++;
        l->position = ++c->lines;
        Str parts[MAX_COMPONENTS];
        if (composite(P, n, E(P, 1), parts) < 0) return -1;
        for (int i = 0; i < 7; i++) fset(&l->comp[i], parts[i]);
        if (!parts[1].n) WARN(n, "missing_procedure", "SVC01-2 (procedure code) is empty");
        if (composite(P, n, E(P, 6), parts) < 0) return -1;
        for (int i = 0; i < 7; i++) fset(&l->sub[i], parts[i]);
        amount(P, n, E(P, 2), "SVC02", 1, &l->charge, &l->charge_cents);
        amount(P, n, E(P, 3), "SVC03", 1, &l->paid, &l->paid_cents);
        fset(&l->revenue, E(P, 4));
        quantity(P, n, E(P, 5), "SVC05", &l->units);
        quantity(P, n, E(P, 7), "SVC07", &l->sub_units);
        return 0;
    }
    case ('L' << 8 | 'Q'):
        if (!l->open || !c->open) { fail(P, n, "remark_outside_line", "LQ appears outside a service line"); return 0; }
        if (E(P, 2).n) return remark_row(P, n, "line", "LQ", E(P, 1), E(P, 2), 1);
        return 0;
    case ('P' << 16 | 'L' << 8 | 'B'): {
        if (close_claim835(P) < 0) return -1;
        Field fiscal;
        if (date_field(P, n, E(P, 2), "PLB02", &fiscal) < 0) return -1;
        for (int k = 3; k <= 13; k += 2) {
            if (!E(P, k).n) continue;
            Str parts[MAX_COMPONENTS];
            if (composite(P, n, E(P, k), parts) < 0) return -1;
            char name[8];
            element_name(name, "PLB", k + 1);
            Field value;
            Cents cents = ZERO_CENTS;
            if (!amount(P, n, E(P, k + 1), name, 1, &value, &cents)) continue;
            CENTS_ADD(P->plb_total, cents);
            WRITE_ROW(&P->tables[TB_PLB], PROVIDER_ADJUSTMENT_COLUMNS);
        }
        return 0;
    }
    }
    return 0;
}

static int commit835(Parser *P) {
    Str payer_id = P->h_payer_ref.n ? fstr(&P->h_payer_ref)
                 : P->h_payer_n1.n ? fstr(&P->h_payer_n1) : fstr(&P->h_originator);
    WRITE_ROW(&P->tables[TB_REMIT], REMIT_COLUMNS);
    if (!cents_eq(cents_sub(P->claims_paid, P->plb_total), P->h_amount_cents)) {
        char a[40], b[40], d[40];
        cents_text(P->h_amount_cents, a, sizeof a);
        cents_text(P->claims_paid, b, sizeof b);
        cents_text(P->plb_total, d, sizeof d);
        WARN(P->h_seg, "payment_unbalanced",
             "BPR02 %s is not the claim payments %s minus provider adjustments %s", a, b, d);
    }
    CENTS_ADD(P->p_paid, P->claims_paid);
    return 0;
}

/* ---------------------------------------------------------------- envelopes */

/* `other`: an unknown transaction set, named as such once MAX_OTHER_KINDS are named. */
static int add_kind(Parser *P, const char *kind, int other) {
    int rc = -1;
    WITH_GIL(
        PyObject *k = PyUnicode_FromString(kind);
        int known = k && other ? PySet_Contains(P->kinds, k) : 1;
        if (known == 0 && P->other_kinds >= MAX_OTHER_KINDS) {
            Py_DECREF(k);
            k = PyUnicode_FromString("other");
        } else if (known == 0) {
            P->other_kinds++;
        }
        if (k && known >= 0) rc = PySet_Add(P->kinds, k);
        Py_XDECREF(k);
    );
    return rc;
}

static void reset_transaction(Parser *P) {
    CLEAR_RECORD(Billing, &P->bill);
    CLEAR_RECORD(Subscriber, &P->sub);
    CLEAR_RECORD(Patient, &P->pat);
    clear_claim837(&P->c7);
    CLEAR_RECORD(Line837, &P->l7);
    CLEAR_RECORD(Claim835, &P->c5);
    CLEAR_RECORD(Line835, &P->l5);
    fclear(&P->created);
    P->entity[0] = P->party[0] = 0;
    P->in_other_payer = P->in_line_adj = 0;
    P->claim_errors = P->txn_errors = 0;
    P->p_claims = P->p_lines = 0;
    P->p_charge = P->p_paid = P->claims_paid = P->plb_total = ZERO_CENTS;
    P->header_seen = P->claims_started = 0;
    P->h_amount_ok = 0; P->h_amount_cents = ZERO_CENTS; P->h_seg = 0;
    Field *hf[] = {&P->h_handling, &P->h_amount, &P->h_cd, &P->h_method, &P->h_date, &P->h_trace,
                   &P->h_originator, &P->h_payer_name, &P->h_payer_n1, &P->h_payer_ref,
                   &P->h_payee_name, &P->h_payee_id, &P->h_production};
    for (size_t i = 0; i < sizeof hf / sizeof hf[0]; i++) fclear(hf[i]);
    for (int i = 0; i < TB_N; i++) P->txn_mark[i] = P->tables[i].n;
    P->txn_flushed = 0;
    P->txn_warn_mark = P->nwarnings;
    memcpy(P->txn_warning_count, P->warning_count, sizeof P->warning_count);
}

static int start_transaction(Parser *P, int64_t n) {
    Str st01 = E(P, 1), version = E(P, 3);
    if (!version.n) version = fstr(&P->gs08);
    reset_transaction(P);
    P->in_txn = 1;
    P->st_seg = n;
    P->txn_count++;
    P->transactions++;
    fset(&P->st01, st01);
    fset(&P->st02, E(P, 2));
    const char *kind;
    char other[16];
    int unknown = 0;
    P->kind = K_REFUSED;
    int has_x222 = 0, has_x098 = 0, inst = 0, dental = 0;
    for (Py_ssize_t i = 0; i + 4 <= version.n; i++) {
        if (!memcmp(version.p + i, "X222", 4)) has_x222 = 1;
        if (!memcmp(version.p + i, "X098", 4)) has_x098 = 1;
        if (!memcmp(version.p + i, "X223", 4) || !memcmp(version.p + i, "X096", 4)) inst = 1;
        if (!memcmp(version.p + i, "X224", 4) || !memcmp(version.p + i, "X097", 4)) dental = 1;
    }
    if (eq(st01, "835")) { P->kind = K_835; kind = "835"; }
    else if (eq(st01, "837") && (has_x222 || has_x098)) { P->kind = K_837P; kind = "837P"; }
    else if (eq(st01, "837") && inst) {
        kind = "837I";
        snprintf(P->refusal, sizeof P->refusal, "an 837I institutional claim: out of scope; unlisted loads 837P professional claims and 835 remittances");
    } else if (eq(st01, "837") && dental) {
        kind = "837D";
        snprintf(P->refusal, sizeof P->refusal, "an 837D dental claim: out of scope; unlisted loads 837P professional claims and 835 remittances");
    } else if (eq(st01, "837")) {
        kind = "837?";
        snprintf(P->refusal, sizeof P->refusal, "an 837 whose version (ST03/GS08) names no known implementation guide");
    } else {
        char q[32];
        quoted(st01, q, sizeof q);
        quoted(S(st01.p, st01.n > 6 ? 6 : st01.n), other, sizeof other);
        kind = other;
        unknown = 1;
        snprintf(P->refusal, sizeof P->refusal, "transaction set %s: unlisted loads 837P claims and 835 remittances", q);
    }
    if (add_kind(P, kind, unknown) < 0) return -1;
    if (P->kind == K_835) P->remit_id = P->next_remit++;
    if (has_x098 && P->kind == K_837P && !P->old_format_warned) {
        P->old_format_warned = P->nwarnings + 1;
        WARN(n, "old_format", "4010 (X098) claim: a retired format, read with 5010 rules");
    }
    return 0;
}

static int refuse_transaction(Parser *P) {
    char q[32];
    quoted(fstr(&P->st02), q, sizeof q);
    REJECT(P->st_seg, "transaction", "out_of_scope", "transaction %s is %s", q, P->refusal);
    return 0;
}

/* The transaction's rows go; `last` is its last segment (its rows lie in st_seg..last). */
static int quarantine_transaction(Parser *P, int64_t last) {
    /* ids already handed out stay unused: gaps are harmless */
    for (int i = 0; i < TB_N; i++) table_truncate(&P->tables[i], P->txn_mark[i]);
    if (P->txn_flushed) {
        int rc = -1;
        WITH_GIL(
            PyObject *range = Py_BuildValue("(LL)", (long long)P->st_seg, (long long)last);
            if (range) { rc = PyList_Append(P->discards, range); Py_DECREF(range); }
        );
        if (rc < 0) return -1;
        P->txn_flushed = 0;
    }
    return drop_warnings_since(P, P->txn_warn_mark, P->txn_warning_count);
}

static int end_transaction(Parser *P, int64_t n) {
    P->in_txn = 0;
    if (P->kind == K_REFUSED) return refuse_transaction(P);
    if (P->kind == K_837P) { if (close_claim837(P) < 0) return -1; }
    else {
        if (close_claim835(P) < 0) return -1;
        if (!P->header_seen) fail(P, P->st_seg, "missing_segment", "the 835 has no BPR payment segment");
    }
    Str se02 = E(P, 2), se01 = E(P, 1);
    if (se02.n != P->st02.n || memcmp(se02.p, P->st02.buf, (size_t)se02.n)) {
        char a[32], b[32];
        quoted(se02, a, sizeof a);
        quoted(fstr(&P->st02), b, sizeof b);
        fail(P, n, "se_control_number", "SE02 %s does not match ST02 %s", a, b);
    }
    int64_t count = n - P->st_seg + 1;
    char cnt[24];
    snprintf(cnt, sizeof cnt, "%lld", (long long)count);
    if (!eq(se01, cnt)) {
        char q[32];
        quoted(se01, q, sizeof q);
        WARN(n, "se_count", "SE01 says %s segments, the transaction has %lld", q, (long long)count);
    }
    if (P->txn_errors) {
        char q[32], more[64] = "";
        quoted(fstr(&P->st02), q, sizeof q);
        if (P->txn_errors > 1) snprintf(more, sizeof more, " (and %lld more problems)", (long long)(P->txn_errors - 1));
        if (quarantine_transaction(P, n) < 0) return -1;
        REJECT(P->txn_err_seg, "transaction", P->txn_err_code,
               "transaction %s at segment %lld quarantined: %s%s", q, (long long)P->st_seg,
               P->txn_err_msg, more);
        return 0;
    }
    if (P->kind == K_835 && commit835(P) < 0) return -1;
    P->claims += P->p_claims;
    P->lines += P->p_lines;
    CENTS_ADD(P->charge_cents, P->p_charge);
    if (P->kind == K_835) { CENTS_ADD(P->paid_cents, P->p_paid); P->paid_seen = 1; }
    return 0;
}

static int cut_short(Parser *P, int64_t n) {
    P->in_txn = 0;
    if (P->kind == K_REFUSED) return refuse_transaction(P);
    if (quarantine_transaction(P, n - 1) < 0) return -1;  /* segment n is not its own */
    char q[32];
    quoted(fstr(&P->st02), q, sizeof q);
    REJECT(P->st_seg, "transaction", "truncated",
           "transaction %s has no SE trailer before segment %lld: the file is cut short or damaged; its claims were not loaded",
           q, (long long)n);
    return 0;
}

static int check_trailer(Parser *P, int64_t n, const char *tag, Field *control, int64_t count,
                         const char *inner) {
    Str e1 = E(P, 1), e2 = E(P, 2);
    /* ISA13 and IEA02 are fixed width; compare without padding */
    while (e2.n && e2.p[e2.n - 1] == ' ') e2.n--;
    Str c = fstr(control);
    while (c.n && c.p[c.n - 1] == ' ') c.n--;
    if (e2.n != c.n || memcmp(e2.p, c.p, (size_t)c.n)) {
        char a[32], b[32], code[32];
        quoted(e2, a, sizeof a);
        quoted(c, b, sizeof b);
        snprintf(code, sizeof code, "%s_control_number", tag[0] == 'G' ? "ge" : "iea");
        WARN(n, code, "%s02 %s does not match the header's %s", tag, a, b);
    }
    char cnt[24];
    snprintf(cnt, sizeof cnt, "%lld", (long long)count);
    if (!eq(e1, cnt)) {
        char q[32], code[32];
        quoted(e1, q, sizeof q);
        snprintf(code, sizeof code, "%s_count", tag[0] == 'G' ? "ge" : "iea");
        WARN(n, code, "%s01 says %s %s segments, there are %lld", tag, q, inner, (long long)count);
    }
    return 0;
}

static int valid_tag(Str tag) {
    if (tag.n < 2 || tag.n > 3) return 0;
    if (tag.p[0] < 'A' || tag.p[0] > 'Z') return 0;
    for (Py_ssize_t i = 1; i < tag.n; i++) {
        char c = tag.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    }
    return 1;
}

static int outside(Parser *P, int64_t n, Str tag) {
    char q[32];
    quoted(tag, q, sizeof q);
    REJECT(n, "segment", "outside_transaction", "segment %s is outside any ST/SE transaction; ignored", q);
    return 0;
}

static int segment(Parser *P, int64_t n) {
    Str tag = P->el[0];
    if (tag.n == 2 || tag.n == 3) {
        if (eq(tag, "ST")) {
            if (P->in_txn && cut_short(P, n) < 0) return -1;
            return start_transaction(P, n);
        }
        if (eq(tag, "SE")) {
            if (!P->in_txn) {
                REJECT(n, "segment", "unexpected_segment", "SE without a matching ST; segment ignored");
                return 0;
            }
            return end_transaction(P, n);
        }
        if (eq(tag, "GS")) {
            fset(&P->gs06, E(P, 6)); fset(&P->gs08, E(P, 8));
            P->in_gs = 1; P->txn_count = 0; P->group_count++;
            return 0;
        }
        if (eq(tag, "GE")) {
            if (!P->in_gs) { WARN(n, "unexpected_segment", "GE without its header"); return 0; }
            P->in_gs = 0;
            return check_trailer(P, n, "GE", &P->gs06, P->txn_count, "ST");
        }
        if (eq(tag, "ISA")) {
            if (P->nel != 17 || P->el[16].n != 1 || P->el[16].p[0] != P->comp) {
                WITH_GIL(PyErr_Format(PyExc_ValueError,
                             "mixed_delimiters:the interchange at segment %lld uses other delimiters than the first one; split the file into one file per interchange",
                             (long long)n));
                return -1;
            }
            if (P->in_isa) WARN(n, "missing_trailer", "ISA without IEA before it");
            fset(&P->isa13, E(P, 13));
            P->in_isa = 1; P->group_count = 0;
            return 0;
        }
        if (eq(tag, "IEA")) {
            if (!P->in_isa) { WARN(n, "unexpected_segment", "IEA without its header"); return 0; }
            P->in_isa = 0;
            return check_trailer(P, n, "IEA", &P->isa13, P->group_count, "GS");
        }
    }
    if (!P->in_txn) {
        return outside(P, n, tag);
    }
    if (!valid_tag(tag)) {
        if (P->kind == K_REFUSED) return 0;
        char q[32];
        quoted(tag, q, sizeof q);
        if (tag.n == 0) fail(P, n, "bad_segment_id", "a segment has an empty identifier (it starts with the element separator)");
        else fail(P, n, "bad_segment_id", "%s is not a valid segment identifier (2-3 capital letters or digits)", q);
        return 0;
    }
    if (P->kind == K_837P) return seg837(P, n, tag);
    if (P->kind == K_835) return seg835(P, n, tag);
    return 0;
}

/* ---------------------------------------------------------------- tokenizer */

static int is_strip(Parser *P, char c) {
    return (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') &&
           c != P->elem && c != P->term;
}

/* One segment's bytes (terminator excluded): strip, drop line breaks, split, dispatch. */
static int handle_segment(Parser *P, const char *p, Py_ssize_t n) {
    while (n && is_strip(P, p[0])) { p++; n--; }
    while (n && is_strip(P, p[n - 1])) n--;
    if (!n) return 0;
    if ((memchr(p, '\n', (size_t)n) && P->term != '\n' && P->elem != '\n') ||
        (memchr(p, '\r', (size_t)n) && P->term != '\r' && P->elem != '\r')) {
        void *s = P->scratch;
        if (grow(&s, &P->scratch_cap, (size_t)n, 1) < 0) return -1;
        P->scratch = s;
        Py_ssize_t k = 0;
        for (Py_ssize_t i = 0; i < n; i++)
            if (!((p[i] == '\n' && P->term != '\n' && P->elem != '\n') ||
                  (p[i] == '\r' && P->term != '\r' && P->elem != '\r')))
                P->scratch[k++] = p[i];
        p = P->scratch; n = k;
        if (!n) return 0;
    }
    Py_ssize_t count = 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i == n || p[i] == P->elem) {
            if (count < MAX_ELEMENTS) P->el[count] = S(p + start, i - start);
            count++;
            start = i + 1;
        }
    }
    P->nel = count < MAX_ELEMENTS ? (int)count : MAX_ELEMENTS;
    P->seg_no++;
    return segment(P, P->seg_no);
}

/* ---------------------------------------------------------------- Python type */

static void Parser_dealloc(Parser *P) {
    for (int t = 0; t < TB_N; t++) {
        if (P->tables[t].cols) {
            for (int i = 0; i < P->tables[t].ncols; i++) col_free(&P->tables[t].cols[i]);
            PyMem_RawFree(P->tables[t].cols);
        }
    }
    PyMem_RawFree(P->c7.notes.p); PyMem_RawFree(P->c7.attach.p); PyMem_RawFree(P->c7.diag.p);
    PyMem_RawFree(P->scratch);
    Py_XDECREF(P->warnings); Py_XDECREF(P->rejects); Py_XDECREF(P->kinds);
    Py_XDECREF(P->discards);
    Py_TYPE(P)->tp_free((PyObject *)P);
}

static int Parser_init(Parser *P, PyObject *args, PyObject *kw) {
    static char *names[] = {"element", "component", "segment", "batch_id", "next_ids",
                            "flush_values", "listed_per_code", NULL};
    const char *e, *c, *s;
    Py_ssize_t ne, nc, ns;
    PyObject *ids;
    if (P->ready) { PyErr_SetString(PyExc_RuntimeError, "a Parser reads one file: make a new one"); return -1; }
    P->flush_values = FLUSH_VALUES;
    P->listed_per_code = LISTED_PER_CODE;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s#s#s#LO!|nn", names, &e, &ne, &c, &nc, &s, &ns,
                                     &P->batch_id, &PyDict_Type, &ids, &P->flush_values,
                                     &P->listed_per_code))
        return -1;
    if (P->flush_values < 1) {
        PyErr_SetString(PyExc_ValueError, "flush_values must be positive");
        return -1;
    }
    if (P->listed_per_code < 0) {
        PyErr_SetString(PyExc_ValueError, "listed_per_code must not be negative");
        return -1;
    }
    if (ne != 1 || nc != 1 || ns != 1) {
        PyErr_SetString(PyExc_ValueError, "delimiters must be single ASCII characters");
        return -1;
    }
    P->elem = e[0]; P->comp = c[0]; P->term = s[0];
    const char *keys[] = {"claim", "claim_line", "remit", "remit_claim", "remit_line"};
    int64_t *slots[] = {&P->next_claim, &P->next_line, &P->next_remit, &P->next_remit_claim, &P->next_remit_line};
    for (int i = 0; i < 5; i++) {
        PyObject *v = PyDict_GetItemString(ids, keys[i]);
        if (!v) { PyErr_Format(PyExc_KeyError, "next_ids lacks %s", keys[i]); return -1; }
        *slots[i] = PyLong_AsLongLong(v);
        if (PyErr_Occurred()) return -1;
    }
    for (int t = 0; t < TB_N; t++) {
        Table *tb = &P->tables[t];
        tb->name = SCHEMAS[t].name;
        tb->ncols = SCHEMAS[t].n;
        tb->cols = PyMem_RawCalloc((size_t)tb->ncols, sizeof(Col));
        if (!tb->cols) { no_memory(); return -1; }
        for (int i = 0; i < tb->ncols; i++) {
            tb->cols[i].name = SCHEMAS[t].cols[i].name;
            tb->cols[i].type = SCHEMAS[t].cols[i].type;
        }
    }
    P->warnings = PyList_New(0);
    P->rejects = PyList_New(0);
    P->kinds = PySet_New(NULL);
    P->discards = PyList_New(0);
    if (!P->warnings || !P->rejects || !P->kinds || !P->discards) return -1;
    P->ready = 1;
    return 0;
}

/* Initialised, and not inside feed() in another thread (feed releases the GIL). */
static int usable(Parser *P) {
    if (!P->ready) { PyErr_SetString(PyExc_RuntimeError, "Parser was not initialised"); return 0; }
    if (P->busy) { PyErr_SetString(PyExc_RuntimeError, "a Parser is used by one thread at a time"); return 0; }
    if (P->broken) { PyErr_SetString(PyExc_RuntimeError, "the Parser lost a batch (out of memory)"); return 0; }
    return 1;
}

/* The values held up to each table's mark (the end of the last transaction), or all of them. */
static int batch_full(Parser *P, int all) {
    size_t values = 0;
    for (int t = 0; t < TB_N; t++)
        values += (all ? P->tables[t].n : P->txn_mark[t]) * (size_t)P->tables[t].ncols;
    return values >= (size_t)P->flush_values;
}

/* No open claim has rows in the tables yet (a claim's quarantine truncates to its marks), so
 * every row held can be taken even inside a transaction. */
static int between_claims(Parser *P) {
    if (P->kind == K_837P && P->c7.open) return P->tables[TB_LINE].n == P->c7.mark_line;
    if (P->kind == K_835 && P->c5.open)
        return P->tables[TB_REMIT_LINE].n == P->c5.mark_line &&
               P->tables[TB_ADJUSTMENT].n == P->c5.mark_adj &&
               P->tables[TB_REMARK].n == P->c5.mark_remark;
    return 1;
}

/* feed(data, start, final) -> (consumed, flush): parse the complete segments of data[start:];
 * stops early, right after a transaction, when the committed rows should be taken first. */
static PyObject *Parser_feed(Parser *P, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t start;
    int final;
    if (!usable(P)) return NULL;
    if (!PyArg_ParseTuple(args, "y*np", &buf, &start, &final)) return NULL;
    if (start < 0 || start > buf.len) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_ValueError, "start is outside the data");
        return NULL;
    }
    const char *data = buf.buf;
    Py_ssize_t n = buf.len, pos = start;
    int flush = 0, failed = 0;
    P->busy = 1;
    /* the list is the caller's too: it may have changed since the last call */
    P->nwarnings = PyList_GET_SIZE(P->warnings);
    Py_BEGIN_ALLOW_THREADS
    replaced_bytes = 0;
    truncated_values = 0;
    while (pos < n) {
        const char *end = memchr(data + pos, P->term, (size_t)(n - pos));
        if (!end) {
            if (!final) break;
            end = data + n;
        }
        int was_in_txn = P->in_txn;
        if (handle_segment(P, data + pos, end - (data + pos)) < 0) { failed = 1; break; }
        pos = (end - data) + (end < data + n ? 1 : 0);
        if (!P->in_txn) for (int t = 0; t < TB_N; t++) P->txn_mark[t] = P->tables[t].n;
        if (was_in_txn && !P->in_txn && batch_full(P, 0)) { flush = 1; break; }
        if (P->in_txn && between_claims(P) && batch_full(P, 1)) { flush = 1; break; }
    }
    P->replaced += replaced_bytes;
    P->truncated += truncated_values;
    Py_END_ALLOW_THREADS
    P->busy = 0;
    PyBuffer_Release(&buf);
    if (failed) return NULL;
    return Py_BuildValue("(ni)", pos, flush);
}

/* finish(): the file ended; an open transaction was cut short. */
static PyObject *Parser_finish(Parser *P, PyObject *unused) {
    (void)unused;
    if (!usable(P)) return NULL;
    P->nwarnings = PyList_GET_SIZE(P->warnings);
    if (P->in_txn && cut_short(P, P->seg_no + 1) < 0) return NULL;
    if (P->in_isa) {
        char m[] = "the file ends without IEA";
        if (count_warning(P, "missing_trailer") &&
            finding(P, P->warnings, P->seg_no, NULL, "missing_trailer", m) < 0)
            return NULL;
    }
    for (int t = 0; t < TB_N; t++) P->txn_mark[t] = P->tables[t].n;
    Py_RETURN_NONE;
}

/* take() -> {table: (rows, [(name, kind, validity, offsets_or_values, data), ...])}; clears.
 * kind: str, int64, bool, dec2 (decimal128(18,2)), dec3 (decimal128(15,3)) or date (date32).
 * Between transactions, or inside one between two claims (when feed() asked for it). */
static PyObject *Parser_take(Parser *P, PyObject *unused) {
    (void)unused;
    if (!usable(P)) return NULL;
    if (P->in_txn && !between_claims(P)) {
        PyErr_SetString(PyExc_RuntimeError, "take() called inside a transaction's claim");
        return NULL;
    }
    PyObject *out = PyDict_New();
    if (!out) return NULL;
    for (int t = 0; t < TB_N; t++) {
        Table *tb = &P->tables[t];
        size_t rows = P->in_txn ? tb->n : P->txn_mark[t];
        if (rows == 0) continue;
        if (P->in_txn && rows > P->txn_mark[t]) P->txn_flushed = 1;
        if (rows != tb->n) {
            PyErr_SetString(PyExc_RuntimeError, "take() called inside a transaction");
            Py_DECREF(out);
            return NULL;
        }
        PyObject *cols = PyList_New(tb->ncols);
        if (!cols) { Py_DECREF(out); return NULL; }
        for (int i = 0; i < tb->ncols; i++) {
            Col *c = &tb->cols[i];
            /* the next batch's blocks: the size of this one's, with an eighth to spare */
            size_t next_rows = rows + rows / 8 + 1024, next_bytes = c->dlen + c->dlen / 8 + 4096;
            /* bitmaps are written bit by bit into blocks never zeroed: clear the bits past the
             * last row, so that no stale heap bits leave with the batch */
            if (rows & 7) {
                uint8_t keep = (uint8_t)((1u << (rows & 7)) - 1);
                c->valid[rows >> 3] &= keep;
                if (c->type == T_BOOL) ((uint8_t *)c->data)[rows >> 3] &= keep;
            }
            PyObject *valid = hand_over((void **)&c->valid, (rows + 7) / 8, (next_rows + 7) / 8);
            PyObject *values = NULL, *data = NULL;
            if (valid && c->type == T_STR) {
                values = hand_over((void **)&c->offsets, (rows + 1) * sizeof(int64_t),
                                   (next_rows + 1) * sizeof(int64_t));
                if (values) c->offsets[0] = 0;
                if (values && c->data) {
                    data = hand_over((void **)&c->data, c->dlen, next_bytes);
                    if (data) c->dcap = next_bytes;
                } else if (values) data = PyBytes_FromStringAndSize("", 0);
            } else if (valid) {
                size_t unit = value_bytes(c->type);
                size_t size = c->type == T_BOOL ? (rows + 7) / 8 : rows * unit;
                values = hand_over((void **)&c->data, size, next_rows * unit);
                data = Py_None; Py_INCREF(Py_None);
            }
            if (valid && values && data) c->cap = next_rows;
            static const char *KINDS[] = {"str", "int64", "bool", "dec2", "dec3", "date"};
            const char *type = KINDS[c->type];
            if (!valid || !values || !data) {
                Py_XDECREF(valid); Py_XDECREF(values); Py_XDECREF(data);
                Py_DECREF(cols);
                goto lost;
            }
            /* "N" hands the three references over, also when building the tuple fails */
            PyObject *item = Py_BuildValue("(ssNNN)", c->name, type, valid, values, data);
            if (!item) { Py_DECREF(cols); goto lost; }
            PyList_SET_ITEM(cols, i, item);
        }
        PyObject *entry = Py_BuildValue("(nN)", (Py_ssize_t)rows, cols);
        if (!entry || PyDict_SetItemString(out, tb->name, entry) < 0) { Py_XDECREF(entry); goto lost; }
        Py_DECREF(entry);
        for (int i = 0; i < tb->ncols; i++) col_clear(&tb->cols[i]);
        tb->n = 0;
        P->txn_mark[t] = 0;
    }
    /* the open claim (if any) has no rows yet: its marks follow the emptied tables */
    P->c7.mark_line = P->c5.mark_line = P->c5.mark_adj = P->c5.mark_remark = 0;
    return out;
lost:
    /* out of memory: the columns handed over went with the batch, so the file's rows are
     * incomplete and the parser must not go on */
    Py_DECREF(out);
    P->broken = 1;
    return NULL;
}

/* discarded() -> [(first, last), ...]: the segment ranges of transactions quarantined after
 * some of their rows were taken; the caller deletes what it wrote of them. Cleared. */
static PyObject *Parser_discarded(Parser *P, PyObject *unused) {
    (void)unused;
    if (!usable(P)) return NULL;
    PyObject *out = P->discards;
    P->discards = PyList_New(0);
    if (!P->discards) { P->discards = out; return NULL; }
    return out;
}

static PyObject *Parser_tally(Parser *P, PyObject *unused) {
    (void)unused;
    if (!usable(P)) return NULL;
    char charge[64], paid[64];
    cents_text(P->charge_cents, charge, sizeof charge);
    cents_text(P->paid_cents, paid, sizeof paid);
    PyObject *counts = PyDict_New();  /* warnings by code, listed or not */
    if (!counts) return NULL;
    for (int i = 0; i < P->warning_codes; i++) {
        if (!P->warning_count[i]) continue;
        PyObject *n = PyLong_FromLongLong((long long)P->warning_count[i]);
        if (!n || PyDict_SetItemString(counts, P->warning_code[i], n) < 0) {
            Py_XDECREF(n); Py_DECREF(counts);
            return NULL;
        }
        Py_DECREF(n);
    }
    PyObject *rejects = PyDict_New();  /* rejects by (scope, code), listed or not */
    if (!rejects) { Py_DECREF(counts); return NULL; }
    for (int i = 0; i < P->reject_kinds; i++) {
        PyObject *key = Py_BuildValue("(ss)", P->reject_scope[i], P->reject_code[i]);
        PyObject *n = PyLong_FromLongLong((long long)P->reject_count[i]);
        int rc = key && n ? PyDict_SetItem(rejects, key, n) : -1;
        Py_XDECREF(key); Py_XDECREF(n);
        if (rc < 0) { Py_DECREF(rejects); Py_DECREF(counts); return NULL; }
    }
    return Py_BuildValue("{s:L,s:L,s:L,s:s,s:s,s:O,s:L,s:n,s:n,s:L,s:L,s:L,s:L,s:L,s:N,s:N}",
        "transactions", (long long)P->transactions, "claims", (long long)P->claims,
        "lines", (long long)P->lines, "charge", charge, "paid", paid, "paid_seen", P->paid_seen ? Py_True : Py_False,
        "segments", (long long)P->seg_no, "replaced_bytes", P->replaced,
        "truncated_values", P->truncated,
        "next_claim", (long long)P->next_claim, "next_claim_line", (long long)P->next_line,
        "next_remit", (long long)P->next_remit, "next_remit_claim", (long long)P->next_remit_claim,
        "next_remit_line", (long long)P->next_remit_line, "warning_counts", counts,
        "reject_counts", rejects);
}

static PyMethodDef Parser_methods[] = {
    {"feed", (PyCFunction)Parser_feed, METH_VARARGS, "feed(data, start, final) -> (consumed, flush)"},
    {"finish", (PyCFunction)Parser_finish, METH_NOARGS, "close what the end of the file left open"},
    {"take", (PyCFunction)Parser_take, METH_NOARGS, "hand over the committed rows as buffers"},
    {"discarded", (PyCFunction)Parser_discarded, METH_NOARGS,
     "segment ranges (first, last) of quarantined transactions of which rows were taken"},
    {"tally", (PyCFunction)Parser_tally, METH_NOARGS, "counts and cent totals of committed data"},
    {NULL, NULL, 0, NULL}};

static PyObject *ready_or_none(PyObject *o) {
    if (!o) Py_RETURN_NONE;
    Py_INCREF(o);
    return o;
}
static PyObject *Parser_warnings(Parser *P, void *c) { (void)c; return ready_or_none(P->warnings); }
static PyObject *Parser_rejects(Parser *P, void *c) { (void)c; return ready_or_none(P->rejects); }
static PyObject *Parser_kinds(Parser *P, void *c) { (void)c; return ready_or_none(P->kinds); }
static PyGetSetDef Parser_getset[] = {
    {"warnings", (getter)Parser_warnings, NULL, "[(location, code, message)]", NULL},
    {"rejects", (getter)Parser_rejects, NULL, "[(location, code, message, scope)]", NULL},
    {"kinds", (getter)Parser_kinds, NULL, "transaction kinds seen", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "unlisted.etl.x12._x12parse.Parser",
    .tp_basicsize = sizeof(Parser),
    .tp_dealloc = (destructor)Parser_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Streaming X12 837P/835 parser producing Arrow-ready columns.",
    .tp_methods = Parser_methods,
    .tp_getset = Parser_getset,
    .tp_init = (initproc)Parser_init,
    .tp_new = PyType_GenericNew,
};

static PyObject *schemas(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    PyObject *out = PyDict_New();
    if (!out) return NULL;
    for (int t = 0; t < TB_N; t++) {
        PyObject *cols = PyTuple_New(SCHEMAS[t].n);
        if (!cols) { Py_DECREF(out); return NULL; }
        for (int i = 0; i < SCHEMAS[t].n; i++) {
            PyObject *name = PyUnicode_FromString(SCHEMAS[t].cols[i].name);
            if (!name) { Py_DECREF(cols); Py_DECREF(out); return NULL; }
            PyTuple_SET_ITEM(cols, i, name);
        }
        if (PyDict_SetItemString(out, SCHEMAS[t].name, cols) < 0) { Py_DECREF(cols); Py_DECREF(out); return NULL; }
        Py_DECREF(cols);
    }
    return out;
}

static PyMethodDef module_methods[] = {
    {"schemas", schemas, METH_NOARGS, "table name -> column names this parser produces"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_x12parse", .m_size = -1, .m_methods = module_methods};

PyMODINIT_FUNC PyInit__x12parse(void) {
    if (PyType_Ready(&ParserType) < 0 || PyType_Ready(&ColumnBufferType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ParserType);
    if (PyModule_AddObject(m, "Parser", (PyObject *)&ParserType) < 0) {
        Py_DECREF(&ParserType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
