/* provcheck.matching._align: one compiled function for a whole alignment pass loop (issue 17).
 *
 * ``passes`` does in C what ``provcheck.matching.verify._passes`` does in Python, with the same
 * result: for up to ``max_passes`` passes, the identical runs of a longest common subsequence of
 * the (masked) candidate and reference codes, lengthened by ``extend``, chained by Kadane's scan
 * with restarts, the chains' spans masked before the next pass. ``blocks`` is one pass's runs.
 *
 * The runs must be exactly rapidfuzz's ``Indel.opcodes(a, b).as_matching_blocks()`` (the pure
 * path and the reference the tests compare against). Where an LCS is not unique, which one is
 * chosen decides the runs, so this follows rapidfuzz's rule (learnt from rapidfuzz-cpp's
 * ``lcs_seq_editops``, not copied): the common prefix and suffix are set aside first; the rest is
 * Hyyro's bit-parallel LCS with the columns over ``a`` and one stored bit row per code of ``b``;
 * the path is walked back from the end, a column is dropped while the bit of the row above is
 * set, otherwise the row is dropped and the step is a match unless the bit of the row above
 * (if any) is clear; runs are the maximal diagonal stretches of the whole path.
 *
 * Arithmetic on scores is in doubles, in the order the Python code uses, so the chains are the
 * same bit for bit (the build turns floating-point contraction off).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <x86intrin.h>
#endif

typedef struct {
    Py_ssize_t a, b, size;
} Block;

typedef struct {
    Py_ssize_t first, last, kept;
} Chain;

typedef struct {
    Py_ssize_t c0, c1, r0, r1, m;
} Span;

/* Growable arrays. */
typedef struct {
    void *data;
    Py_ssize_t len, cap;
    size_t item;
} Vec;

static int vec_reserve(Vec *v, Py_ssize_t want) {
    if (want <= v->cap) return 0;
    Py_ssize_t cap = v->cap ? v->cap : 16;
    while (cap < want) cap *= 2;
    void *p = PyMem_Realloc(v->data, (size_t)cap * v->item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    v->data = p;
    v->cap = cap;
    return 0;
}

/* Inline while there is room (a pass's runs are pushed one match at a time: a call each was
 * 3% of a pass). */
static inline void *vec_push(Vec *v) {
    if (v->len >= v->cap && vec_reserve(v, v->len + 1) < 0) return NULL;
    return (char *)v->data + (size_t)(v->len++) * v->item;
}

/* ---- the longest common subsequence and its runs ---------------------------------------- */

typedef struct {
    /* code point -> slot in ``vectors`` (open addressing, 0 = empty key marker via ``used``) */
    uint32_t *keys;
    int32_t *slots;
    Py_ssize_t mask; /* capacity - 1 (capacity a power of two) */
    /* Between calls every slot is empty (-1): a call empties the slots it filled (``used``), not
     * the whole table (clearing it was 4% of a pass); ``dirty`` while they are filled. */
    int32_t *used;
    Py_ssize_t used_cap;
    int dirty;
    uint64_t *vectors; /* distinct x words */
    Py_ssize_t distinct;
    /* stored bit rows: rows x words; ``above[r]`` is the row above row r (``above[0]`` the row
     * of ones), shared with the one above it where row r's code is not in the other text */
    uint64_t *rows;
    Py_ssize_t rows_cap;
    const uint64_t **above;
    Py_ssize_t above_cap;
    Py_ssize_t vec_cap;
    Py_ssize_t keys_cap, slots_cap;
    /* match positions of the traceback (core coordinates, backwards) */
    Py_ssize_t *trace;
    Py_ssize_t trace_cap;
} Lcs;

static void lcs_free(Lcs *w) {
    PyMem_Free(w->keys);
    PyMem_Free(w->slots);
    PyMem_Free(w->used);
    PyMem_Free(w->vectors);
    PyMem_Free(w->rows);
    PyMem_Free(w->above);
    PyMem_Free(w->trace);
}

/* One workspace kept between calls of ``passes`` (allocating it was ~4% of a call), unless it
 * grew past ``KEPT_WORDS`` (a long text's rows) or a call is already using it. */
#define KEPT_WORDS (1 << 19)
static Lcs kept_lcs;
static int kept_busy;

static Lcs *lcs_take(Lcs *local) {
    if (kept_busy) return local;
    kept_busy = 1;
    return &kept_lcs;
}

static void lcs_give(Lcs *w) {
    if (w != &kept_lcs) {
        lcs_free(w);
        return;
    }
    if (w->rows_cap + w->vec_cap + w->trace_cap + w->above_cap > KEPT_WORDS || w->keys_cap > KEPT_WORDS) {
        lcs_free(w);
        memset(w, 0, sizeof *w);
    }
    kept_busy = 0;
}

static int grow(void **p, Py_ssize_t *cap, Py_ssize_t want, size_t item) {
    if (want <= *cap) return 0;
    void *q = PyMem_Realloc(*p, (size_t)want * item);
    if (!q) {
        PyErr_NoMemory();
        return -1;
    }
    *p = q;
    *cap = want;
    return 0;
}

static inline Py_ssize_t hash_slot(const Lcs *w, uint32_t key) {
    Py_ssize_t i = (Py_ssize_t)((key * 2654435761u) & (uint32_t)w->mask);
    for (;;) {
        int32_t s = w->slots[i];
        if (s < 0 || w->keys[i] == key) return i;
        i = (i + 1) & w->mask;
    }
}

/* memset of a few words, written out for the usual texts (under 256 tokens a pass):
 * a call a row cost more than the row. */
static inline void zero_words(uint64_t *v, Py_ssize_t words) {
    if (words > 4) {
        memset(v, 0, (size_t)words * sizeof(uint64_t));
        return;
    }
    v[0] = 0;
    if (words > 1) v[1] = 0;
    if (words > 2) v[2] = 0;
    if (words > 3) v[3] = 0;
}

/* One row of Hyyro's LCS: ``row = (prev + u) | (prev - u)`` with ``u = prev & pm``, the sum
 * carried across the row's words. ``u`` holds a subset of ``prev``'s bits, so ``prev - u`` never
 * borrows: it is ``prev ^ u`` word by word. Where the compiler offers it, the carry is the
 * processor's (one add-with-carry a word; the comparisons it replaces were half the cost of a
 * pass); either way the words are the same. */
static inline void row_step(uint64_t *row, const uint64_t *prev, const uint64_t *pm, Py_ssize_t words) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    unsigned char carry = 0;
    for (Py_ssize_t k = 0; k < words; k++) {
        unsigned long long old = prev[k], u = old & pm[k], x;
        carry = _addcarry_u64(carry, old, u, &x);
        row[k] = x | (old ^ u);
    }
#else
    uint64_t carry = 0;
    for (Py_ssize_t k = 0; k < words; k++) {
        uint64_t old = prev[k], u = old & pm[k];
        uint64_t x = old + u + carry;
        carry = (x < old) | ((x == old) & carry);
        row[k] = x | (old ^ u);
    }
#endif
}

/* Appends the runs of a and b (lengths n and m) to ``out`` (as_matching_blocks without the
 * final empty block). */
static int lcs_blocks(Lcs *w, const uint32_t *a, Py_ssize_t n, const uint32_t *b, Py_ssize_t m,
                      Vec *out) {
    Py_ssize_t prefix = 0, suffix = 0;
    while (prefix < n && prefix < m && a[prefix] == b[prefix]) prefix++;
    while (suffix < n - prefix && suffix < m - prefix && a[n - 1 - suffix] == b[m - 1 - suffix])
        suffix++;
    const uint32_t *s1 = a + prefix, *s2 = b + prefix;
    Py_ssize_t len1 = n - prefix - suffix, len2 = m - prefix - suffix;
    Py_ssize_t ntrace = 0;

    if (len1 > 0 && len2 > 0) {
        Py_ssize_t words = (len1 + 63) / 64;
        Py_ssize_t cap = 16;
        while (cap < 2 * len1) cap *= 2;
        if (grow((void **)&w->keys, &w->keys_cap, cap, sizeof(uint32_t)) < 0) return -1;
        /* the slots known empty; dirty from here (a failure below leaves them for the next
         * call to empty) */
        Py_ssize_t had = w->dirty ? 0 : w->slots_cap;
        w->dirty = 1;
        if (grow((void **)&w->slots, &w->slots_cap, cap, sizeof(int32_t)) < 0) return -1;
        if (grow((void **)&w->used, &w->used_cap, len1, sizeof(int32_t)) < 0) return -1;
        for (Py_ssize_t i = had; i < w->slots_cap; i++) w->slots[i] = -1;
        w->mask = cap - 1;
        /* the bit vector of each distinct code of s1, in one pass (a code's words are cleared
         * when it is first met) */
        w->distinct = 0;
        for (Py_ssize_t j = 0; j < len1; j++) {
            Py_ssize_t i = hash_slot(w, s1[j]);
            int32_t s = w->slots[i];
            if (s < 0) {
                Py_ssize_t want = (w->distinct + 1) * words;
                if (want > w->vec_cap &&
                    grow((void **)&w->vectors, &w->vec_cap, want > 2 * w->vec_cap ? want : 2 * w->vec_cap,
                         sizeof(uint64_t)) < 0)
                    return -1;
                w->keys[i] = s1[j];
                w->used[w->distinct] = (int32_t)i;
                s = w->slots[i] = (int32_t)w->distinct++;
                zero_words(w->vectors + (Py_ssize_t)s * words, words);
            }
            w->vectors[(Py_ssize_t)s * words + (Py_ssize_t)((size_t)j >> 6)] |= (uint64_t)1 << ((size_t)j & 63);
        }
        /* one row of ones before the first (the row above row 0), so every row has one above;
         * a row whose code is not in s1 is the row above it, not stored again */
        if (grow((void **)&w->rows, &w->rows_cap, (len2 + 1) * words, sizeof(uint64_t)) < 0) return -1;
        if (grow((void **)&w->above, &w->above_cap, len2 + 1, sizeof(uint64_t *)) < 0) return -1;
        for (Py_ssize_t k = 0; k < words; k++) w->rows[k] = ~(uint64_t)0;
        const uint64_t **above = w->above;
        above[0] = w->rows;
        uint64_t *next = w->rows + words;
        for (Py_ssize_t r = 0; r < len2; r++) {
            const uint64_t *prev = above[r];
            int32_t s = w->slots[hash_slot(w, s2[r])];
            if (s < 0) {
                above[r + 1] = prev;
                continue;
            }
            row_step(next, prev, w->vectors + (Py_ssize_t)s * words, words);
            above[r + 1] = next;
            next += words;
        }
        for (Py_ssize_t i = 0; i < w->distinct; i++) w->slots[w->used[i]] = -1;
        w->dirty = 0;
        /* walk back; two entries a match, at most min(len1, len2) matches */
        if (grow((void **)&w->trace, &w->trace_cap, 2 * (len1 < len2 ? len1 : len2), sizeof(Py_ssize_t)) < 0)
            return -1;
        Py_ssize_t col = len1, row = len2;
        /* the bit (row - 1, col - 1): ``cur`` is row - 1, ``cw`` and ``cb`` the word and bit of
         * col - 1, moved along with row and col (no index arithmetic a step) */
        const uint64_t *cur = above[row];
        Py_ssize_t cw = (col - 1) / 64;
        int cb = (int)((col - 1) % 64);
#define BIT() ((cur[cw] >> cb) & 1)
#define LEFT()          \
    do {                \
        col--;          \
        if (cb == 0) {  \
            cw--;       \
            cb = 63;    \
        } else {        \
            cb--;       \
        }               \
    } while (0)
        while (row && col) {
            if (BIT()) {
                LEFT();
            } else {
                row--;
                cur = above[row];
                if (row && !BIT()) {
                    /* insertion */
                } else {
                    LEFT();
                    w->trace[ntrace++] = col; /* the match is at (col, row) */
                    w->trace[ntrace++] = row;
                }
            }
        }
#undef LEFT
#undef BIT
    }
    /* the runs, forwards: prefix, the matches, suffix; diagonal neighbours join */
    Block *last = NULL;
#define ADD(pa, pb, sz)                                                               \
    do {                                                                              \
        if (last && last->a + last->size == (pa) && last->b + last->size == (pb)) {   \
            last->size += (sz);                                                       \
        } else {                                                                      \
            last = (Block *)vec_push(out);                                            \
            if (!last) return -1;                                                     \
            last->a = (pa);                                                           \
            last->b = (pb);                                                           \
            last->size = (sz);                                                        \
        }                                                                             \
    } while (0)
    if (prefix) ADD(0, 0, prefix);
    for (Py_ssize_t t = ntrace - 2; t >= 0; t -= 2) ADD(w->trace[t] + prefix, w->trace[t + 1] + prefix, 1);
    if (suffix) ADD(n - suffix, m - suffix, suffix);
#undef ADD
    return 0;
}

/* ---- chaining, as verify._chains ------------------------------------------------------- */

static int chains_of(const Block *blocks, Py_ssize_t nblocks, double gap_penalty, double min_score,
                     Vec *out) {
    double score = 0.0, best = 0.0;
    Py_ssize_t first = 0, last = 0, start = 0, total = 0, kept = 0;
    Py_ssize_t pc = 0, pr = 0, pl = 0;
    for (Py_ssize_t i = 0; i < nblocks; i++) {
        Py_ssize_t c0 = blocks[i].a, r0 = blocks[i].b, length = blocks[i].size;
        if (score > 0) {
            Py_ssize_t gap = c0 - pc - pl, other = r0 - pr - pl;
            score = score - gap_penalty * (double)(gap > other ? gap : other);
        }
        if (score <= 0) {
            if (best >= min_score) {
                Chain *ch = (Chain *)vec_push(out);
                if (!ch) return -1;
                ch->first = first;
                ch->last = last;
                ch->kept = kept;
            }
            score = best = 0.0;
            total = 0;
            start = i;
        }
        score = score + (double)length;
        total += length;
        if (score > best) {
            best = score;
            first = start;
            last = i;
            kept = total;
        }
        pc = c0;
        pr = r0;
        pl = length;
    }
    if (best >= min_score) {
        Chain *ch = (Chain *)vec_push(out);
        if (!ch) return -1;
        ch->first = first;
        ch->last = last;
        ch->kept = kept;
    }
    return 0;
}

/* ---- from Python ---------------------------------------------------------------------- */

static uint32_t *codes_of(PyObject *s, Py_ssize_t *n) {
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "token codes must be str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0) return NULL;
#endif
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    uint32_t *out = PyMem_Malloc((size_t)(len ? len : 1) * sizeof(uint32_t));
    if (!out) {
        PyErr_NoMemory();
        return NULL;
    }
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = data;
        for (Py_ssize_t i = 0; i < len; i++) out[i] = d[i];
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        for (Py_ssize_t i = 0; i < len; i++) out[i] = d[i];
    } else {
        memcpy(out, data, (size_t)len * sizeof(uint32_t));
    }
    *n = len;
    return out;
}

/* A tuple of k ints (Py_BuildValue parses its format every call). */
static PyObject *int_tuple(const Py_ssize_t *v, Py_ssize_t k) {
    PyObject *t = PyTuple_New(k);
    if (!t) return NULL;
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *x = PyLong_FromSsize_t(v[i]);
        if (!x) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, x);
    }
    return t;
}

static PyObject *block_list(const Block *blocks, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    if (!list) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = int_tuple(&blocks[i].a, 3);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, t);
    }
    return list;
}

static PyObject *align_blocks(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ca, *cb;
    if (!PyArg_ParseTuple(args, "UU:blocks", &ca, &cb)) return NULL;
    Py_ssize_t n, m;
    uint32_t *a = codes_of(ca, &n);
    if (!a) return NULL;
    uint32_t *b = codes_of(cb, &m);
    if (!b) {
        PyMem_Free(a);
        return NULL;
    }
    Lcs w = {0};
    Vec out = {NULL, 0, 0, sizeof(Block)};
    PyObject *result = NULL;
    if (lcs_blocks(&w, a, n, b, m, &out) == 0)
        result = block_list((Block *)out.data, out.len);
    PyMem_Free(out.data);
    lcs_free(&w);
    PyMem_Free(a);
    PyMem_Free(b);
    return result;
}

static int span_cmp(const void *x, const void *y) {
    const Span *p = x, *q = y;
    Py_ssize_t av[5] = {p->c0, p->c1, p->r0, p->r1, p->m};
    Py_ssize_t bv[5] = {q->c0, q->c1, q->r0, q->r1, q->m};
    for (int i = 0; i < 5; i++) {
        if (av[i] != bv[i]) return av[i] < bv[i] ? -1 : 1;
    }
    return 0;
}

/* verify.align's near-duplicate and excerpt tests on the spans (the same double arithmetic:
 * Python divides two ints under 2**53 as these doubles). */
static int passes_tests(const Span *spans, Py_ssize_t k, Py_ssize_t n, Py_ssize_t m,
                        Py_ssize_t min_tokens, double min_coverage, double min_similarity,
                        Py_ssize_t excerpt_tokens, double excerpt_similarity) {
    Py_ssize_t matched = 0, lengths = 0;
    for (Py_ssize_t i = 0; i < k; i++) {
        matched += spans[i].m;
        lengths += (spans[i].c1 - spans[i].c0) + (spans[i].r1 - spans[i].r0);
    }
    if (matched < min_tokens) return 0;
    if (lengths == 0) return 1; /* verify.align decides (it divides by zero) */
    double similarity = (double)(2 * matched) / (double)lengths;
    double containment = (double)matched / (double)m, coverage = (double)matched / (double)n;
    if ((containment > coverage ? containment : coverage) >= min_coverage && similarity >= min_similarity)
        return 1;
    for (Py_ssize_t i = 0; i < k; i++) {
        const Span *s = spans + i;
        if (s->m >= excerpt_tokens &&
            (double)(2 * s->m) / (double)((s->c1 - s->c0) + (s->r1 - s->r0)) >= excerpt_similarity)
            return 1;
    }
    return 0;
}

/* What a pass loop is given besides the two texts (``passes``' arguments). */
typedef struct {
    double gap_penalty, min_score, explained;
    Py_ssize_t extend, max_passes, repass;
    int judge; /* run verify.align's first tests (``tests`` given) */
    Py_ssize_t min_tokens, excerpt_tokens;
    double min_coverage, min_similarity, excerpt_similarity;
} Params;

/* verify.align's tests after the first ones (``verify._judged``), for ``passes_many``: the
 * candidate's tokens in the identical runs (``plain``: its codes, unmasked), and the reference's
 * echoes of its prompt (``echoes``: a sequence of (start, end), read only when reached). */
typedef struct {
    const uint32_t *plain;
    Py_ssize_t floor;        /* min_distinct_tokens */
    Py_ssize_t min_original; /* min_original_tokens */
    PyObject *reference;     /* its ``echoes`` attribute */
} Extra;

/* Distinct values among ``plain[c0 : c0 + min(size, cap)]`` over the runs, counted up to ``floor``
 * (``cap`` < 0: whole runs). */
static Py_ssize_t distinct_in_runs(const uint32_t *plain, const Block *runs, Py_ssize_t k, Py_ssize_t cap,
                                   Py_ssize_t floor, uint32_t *seen) {
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < k && count < floor; i++) {
        Py_ssize_t size = runs[i].size;
        if (cap >= 0 && size > cap) size = cap;
        for (Py_ssize_t t = runs[i].a; t < runs[i].a + size && count < floor; t++) {
            uint32_t v = plain[t];
            Py_ssize_t j = 0;
            while (j < count && seen[j] != v) j++;
            if (j == count) seen[count++] = v;
        }
    }
    return count;
}

/* verify._orderings: distinct 4-grams inside the runs, counted up to ``enough``. */
static Py_ssize_t orderings(const uint32_t *plain, const Block *runs, Py_ssize_t k, Py_ssize_t enough,
                            uint32_t *grams) {
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < k && count < enough; i++) {
        for (Py_ssize_t t = runs[i].a; t + 4 <= runs[i].a + runs[i].size && count < enough; t++) {
            const uint32_t *g = plain + t;
            Py_ssize_t j = 0;
            while (j < count && memcmp(grams + 4 * j, g, 4 * sizeof(uint32_t)) != 0) j++;
            if (j == count) memcpy(grams + 4 * count++, g, 4 * sizeof(uint32_t));
        }
    }
    return count;
}

/* The rest of verify.align's tests on the runs inside chains: -1 on error, 0 when the pair
 * fails, 1 when it passes (``*few``: it passed on few distinct tokens). */
static int extra_tests(const Extra *x, const Block *runs, Py_ssize_t k, Py_ssize_t min_tokens, int *few) {
    *few = 0;
    Py_ssize_t floor = x->floor;
    if (floor > 0) {
        Py_ssize_t want = floor > 4 * min_tokens ? floor : 4 * min_tokens;
        uint32_t *seen = PyMem_Malloc((size_t)(want ? want : 1) * sizeof(uint32_t));
        if (!seen) {
            PyErr_NoMemory();
            return -1;
        }
        int fails = 0;
        if (distinct_in_runs(x->plain, runs, k, 4 * floor, floor, seen) < floor) {
            *few = distinct_in_runs(x->plain, runs, k, -1, floor, seen) < floor;
            if (*few && orderings(x->plain, runs, k, min_tokens, seen) < min_tokens) fails = 1;
        }
        PyMem_Free(seen);
        if (fails) return 0;
    }
    PyObject *echoes = PyObject_GetAttrString(x->reference, "echoes");
    if (!echoes) return -1;
    PyObject *fast = PySequence_Fast(echoes, "echoes must be a sequence");
    Py_DECREF(echoes);
    if (!fast) return -1;
    Py_ssize_t ne = PySequence_Fast_GET_SIZE(fast);
    if (ne == 0) {
        Py_DECREF(fast);
        return 1;
    }
    Py_ssize_t *ab = PyMem_Malloc((size_t)ne * 2 * sizeof(Py_ssize_t));
    if (!ab) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t e = 0; e < ne; e++) { /* each a pair of ints, a tuple or any sequence */
        PyObject *pair = PySequence_Fast(PySequence_Fast_GET_ITEM(fast, e), "an echo must be a pair");
        if (pair && PySequence_Fast_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_ValueError, "an echo must be a pair");
            Py_CLEAR(pair);
        }
        if (pair) {
            ab[2 * e] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(pair, 0));
            ab[2 * e + 1] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(pair, 1));
            Py_DECREF(pair);
        }
        if (!pair || PyErr_Occurred()) {
            PyMem_Free(ab);
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    /* verify._without_echoes, summed */
    Py_ssize_t original = 0;
    for (Py_ssize_t i = 0; i < k; i++) {
        Py_ssize_t pos = runs[i].b, end = runs[i].b + runs[i].size;
        for (Py_ssize_t e = 0; e < ne; e++) {
            Py_ssize_t a = ab[2 * e], b = ab[2 * e + 1];
            if (b <= pos || a >= end) continue;
            if (a > pos) original += a - pos;
            if (b > pos) pos = b;
        }
        if (pos < end) original += end - pos;
    }
    PyMem_Free(ab);
    return original >= x->min_original;
}

/* The pass loop over the codes ``c`` (n) and ``r`` (m), which it masks in place, with the
 * workspace ``w``: None for a pair that fails the tests, else (spans, inside); NULL on error. */
static PyObject *pass_loop(Lcs *w, uint32_t *c, Py_ssize_t n, uint32_t *r, Py_ssize_t m, const Params *q,
                           int full, const Extra *x) {
    double gap_penalty = q->gap_penalty, min_score = q->min_score, explained = q->explained;
    Py_ssize_t extend = q->extend, max_passes = q->max_passes, repass = q->repass;
    int judge = q->judge;
    Py_ssize_t min_tokens = q->min_tokens, excerpt_tokens = q->excerpt_tokens;
    double min_coverage = q->min_coverage, min_similarity = q->min_similarity;
    double excerpt_similarity = q->excerpt_similarity;
    Vec blocks = {NULL, 0, 0, sizeof(Block)};  /* every pass's runs, one after the other */
    Vec chains = {NULL, 0, 0, sizeof(Chain)};  /* every pass's chains (indices into blocks) */
    Vec passes = {NULL, 0, 0, 4 * sizeof(Py_ssize_t)}; /* block start/end, chain start/end */
    Vec spans = {NULL, 0, 0, sizeof(Span)};
    PyObject *result = NULL, *span_list = NULL, *second = NULL;
    Py_ssize_t shorter = n < m ? n : m;
    Py_ssize_t matched = 0;

    for (Py_ssize_t pass = 0; pass < max_passes; pass++) {
        Py_ssize_t b0 = blocks.len;
        if (lcs_blocks(w, c, n, r, m, &blocks) < 0) goto done;
        Block *bl = (Block *)blocks.data + b0;
        Py_ssize_t nb = blocks.len - b0;
        if (extend) {
            for (Py_ssize_t i = 0; i < nb; i++) {
                Py_ssize_t c0 = bl[i].a, r0 = bl[i].b, size = bl[i].size;
                Py_ssize_t limit = n - c0;
                if (m - r0 < limit) limit = m - r0;
                if (size + extend < limit) limit = size + extend;
                if (i + 1 < nb) {
                    if (bl[i + 1].a - c0 < limit) limit = bl[i + 1].a - c0;
                    if (bl[i + 1].b - r0 < limit) limit = bl[i + 1].b - r0;
                }
                Py_ssize_t grown = size;
                while (grown < limit && c[c0 + grown] != 1 && r[r0 + grown] != 2) grown++;
                bl[i].size = grown;
            }
        }
        Py_ssize_t k0 = chains.len;
        if (chains_of(bl, nb, gap_penalty, min_score, &chains) < 0) goto done;
        Py_ssize_t nk = chains.len - k0;
        if (!nk) {
            blocks.len = b0;
            break;
        }
        Py_ssize_t *p = (Py_ssize_t *)vec_push(&passes);
        if (!p) goto done;
        p[0] = b0;
        p[1] = blocks.len;
        p[2] = k0;
        p[3] = chains.len;
        bl = (Block *)blocks.data + b0; /* vec_push on another vector does not move it */
        Chain *ch = (Chain *)chains.data + k0;
        Py_ssize_t aligned = 0, s0 = spans.len;
        for (Py_ssize_t i = 0; i < nk; i++) {
            Span *s = (Span *)vec_push(&spans);
            if (!s) goto done;
            const Block *f = bl + ch[i].first, *l = bl + ch[i].last;
            s->c0 = f->a;
            s->c1 = l->a + l->size;
            s->r0 = f->b;
            s->r1 = l->b + l->size;
            s->m = ch[i].kept;
            aligned += ch[i].kept;
        }
        matched += aligned;
        if (pass + 1 == max_passes || aligned < repass || (double)matched / (double)shorter >= explained)
            break;
        /* mask what this pass found, on both sides */
        Span *found = (Span *)spans.data + s0;
        for (Py_ssize_t i = 0; i < nk; i++) {
            for (Py_ssize_t j = found[i].c0; j < found[i].c1; j++) c[j] = 1;
            for (Py_ssize_t j = found[i].r0; j < found[i].r1; j++) r[j] = 2;
        }
    }
    /* spans sorted by candidate position */
    if (spans.len > 1) qsort(spans.data, (size_t)spans.len, sizeof(Span), span_cmp);
    if (judge && !passes_tests((Span *)spans.data, spans.len, n, m, min_tokens, min_coverage,
                               min_similarity, excerpt_tokens, excerpt_similarity)) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    int few = 0;
    if (x) {
        /* the runs inside chains, pass by pass, chain by chain (what ``verify._inside`` gives) */
        Vec inside = {NULL, 0, 0, sizeof(Block)};
        for (Py_ssize_t k = 0; k < passes.len; k++) {
            Py_ssize_t *p = (Py_ssize_t *)passes.data + 4 * k;
            const Block *bl = (Block *)blocks.data + p[0];
            for (Py_ssize_t i = p[2]; i < p[3]; i++) {
                const Chain *ch = (Chain *)chains.data + i;
                for (Py_ssize_t j = ch->first; j <= ch->last; j++) {
                    Block *b = (Block *)vec_push(&inside);
                    if (!b) {
                        PyMem_Free(inside.data);
                        goto done;
                    }
                    *b = bl[j];
                }
            }
        }
        int passed = extra_tests(x, (Block *)inside.data, inside.len, min_tokens, &few);
        PyMem_Free(inside.data);
        if (passed < 0) goto done;
        if (!passed) {
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
    }
    span_list = PyList_New(spans.len);
    if (!span_list) goto done;
    for (Py_ssize_t i = 0; i < spans.len; i++) {
        const Span *s = (Span *)spans.data + i;
        PyObject *t = int_tuple(&s->c0, 5);
        if (!t) goto done;
        PyList_SET_ITEM(span_list, i, t);
    }
    if (x) {
        result = PyTuple_Pack(2, span_list, few ? Py_True : Py_False);
        goto done;
    }
    if (full) {
        /* [(blocks, chains)] per pass, as verify._passes returns them */
        second = PyList_New(passes.len);
        if (!second) goto done;
        for (Py_ssize_t k = 0; k < passes.len; k++) {
            Py_ssize_t *p = (Py_ssize_t *)passes.data + 4 * k;
            PyObject *bls = block_list((Block *)blocks.data + p[0], p[1] - p[0]);
            if (!bls) goto done;
            PyObject *chs = PyList_New(p[3] - p[2]);
            if (!chs) {
                Py_DECREF(bls);
                goto done;
            }
            for (Py_ssize_t i = p[2]; i < p[3]; i++) {
                const Chain *ch = (Chain *)chains.data + i;
                PyObject *t = int_tuple(&ch->first, 3);
                if (!t) {
                    Py_DECREF(bls);
                    Py_DECREF(chs);
                    goto done;
                }
                PyList_SET_ITEM(chs, i - p[2], t);
            }
            PyObject *pair = PyTuple_Pack(2, bls, chs);
            Py_DECREF(bls);
            Py_DECREF(chs);
            if (!pair) goto done;
            PyList_SET_ITEM(second, k, pair);
        }
    } else {
        /* the runs inside chains, pass by pass, chain by chain, as int64 triples (most pairs
         * fail before their runs are read: verify._inside makes tuples of them) */
        Py_ssize_t count = 0;
        for (Py_ssize_t k = 0; k < passes.len; k++) {
            Py_ssize_t *p = (Py_ssize_t *)passes.data + 4 * k;
            for (Py_ssize_t i = p[2]; i < p[3]; i++) {
                const Chain *ch = (Chain *)chains.data + i;
                count += ch->last - ch->first + 1;
            }
        }
        second = PyBytes_FromStringAndSize(NULL, count * 3 * (Py_ssize_t)sizeof(int64_t));
        if (!second) goto done;
        int64_t *at = (int64_t *)PyBytes_AS_STRING(second);
        for (Py_ssize_t k = 0; k < passes.len; k++) {
            Py_ssize_t *p = (Py_ssize_t *)passes.data + 4 * k;
            const Block *bl = (Block *)blocks.data + p[0];
            for (Py_ssize_t i = p[2]; i < p[3]; i++) {
                const Chain *ch = (Chain *)chains.data + i;
                for (Py_ssize_t j = ch->first; j <= ch->last; j++) {
                    *at++ = (int64_t)bl[j].a;
                    *at++ = (int64_t)bl[j].b;
                    *at++ = (int64_t)bl[j].size;
                }
            }
        }
    }
    result = PyTuple_Pack(2, span_list, second);
done:
    Py_XDECREF(span_list);
    Py_XDECREF(second);
    PyMem_Free(blocks.data);
    PyMem_Free(chains.data);
    PyMem_Free(passes.data);
    PyMem_Free(spans.data);
    return result;
}

/* ``tests`` as Params (None: no tests). */
static int parse_tests(PyObject *tests, Params *q) {
    q->judge = tests != Py_None;
    q->min_tokens = q->excerpt_tokens = 0;
    q->min_coverage = q->min_similarity = q->excerpt_similarity = 0;
    if (q->judge && !PyArg_ParseTuple(tests, "nddnd:tests", &q->min_tokens, &q->min_coverage,
                                      &q->min_similarity, &q->excerpt_tokens, &q->excerpt_similarity))
        return -1;
    return 0;
}

static PyObject *run_passes(PyObject *args, PyObject *kwargs, int full) {
    static char *names[] = {"cand",       "ref",    "gap_penalty", "extend", "min_score",
                            "max_passes", "repass", "explained",   "tests",  NULL};
    PyObject *ca, *cb, *tests = Py_None;
    Params q = {0, 8.0, 0.9, 0, 32, 10, 0, 0, 0, 0, 0, 0};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "UUd|ndnndO:passes", names, &ca, &cb, &q.gap_penalty,
                                     &q.extend, &q.min_score, &q.max_passes, &q.repass, &q.explained,
                                     &tests))
        return NULL;
    /* ``tests``: (min_tokens, min_coverage, min_similarity, excerpt_tokens, excerpt_similarity),
     * verify.align's first tests: None comes back for a pair that fails them. */
    if (parse_tests(tests, &q) < 0) return NULL;
    Py_ssize_t n, m;
    uint32_t *c = codes_of(ca, &n);
    if (!c) return NULL;
    uint32_t *r = codes_of(cb, &m);
    if (!r) {
        PyMem_Free(c);
        return NULL;
    }
    Lcs local = {0};
    Lcs *w = lcs_take(&local);
    PyObject *result = pass_loop(w, c, n, r, m, &q, full, NULL);
    lcs_give(w);
    PyMem_Free(c);
    PyMem_Free(r);
    return result;
}

/* ``passes_many``: one candidate against many references (``verify.align_many``). */
static PyObject *align_passes_many(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ca, *texts, *keys, *failing, *tests;
    Params q = {0, 8.0, 0.9, 0, 32, 10, 0, 0, 0, 0, 0, 0};
    Extra x = {NULL, 0, 0, NULL};
    if (!PyArg_ParseTuple(args, "UO!O!O!ddnndOnn:passes_many", &ca, &PyList_Type, &texts, &PyList_Type, &keys,
                          &PySet_Type, &failing, &q.gap_penalty, &q.min_score, &q.max_passes, &q.repass,
                          &q.explained, &tests, &x.floor, &x.min_original))
        return NULL;
    if (tests == Py_None) {
        PyErr_SetString(PyExc_TypeError, "passes_many needs the tests");
        return NULL;
    }
    if (parse_tests(tests, &q) < 0) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    if (PyList_GET_SIZE(keys) != count) {
        PyErr_SetString(PyExc_ValueError, "passes_many: as many keys as references");
        return NULL;
    }
    Py_ssize_t n;
    uint32_t *pristine = codes_of(ca, &n);
    if (!pristine) return NULL;
    x.plain = pristine;
    uint32_t *c = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    PyObject *out = PyList_New(count);
    if (!c || !out) {
        PyMem_Free(pristine);
        PyMem_Free(c);
        Py_XDECREF(out);
        return c ? NULL : PyErr_NoMemory();
    }
    Lcs local = {0};
    Lcs *w = lcs_take(&local);
    for (Py_ssize_t j = 0; j < count; j++) {
        PyObject *key = PyList_GET_ITEM(keys, j), *text = PyList_GET_ITEM(texts, j);
        PyObject *got = NULL;
        int known = PySet_Contains(failing, key);
        if (known < 0) goto fail;
        if (!known) {
            PyObject *ref = PyObject_GetAttrString(text, "codes");
            if (!ref) goto fail;
            Py_ssize_t m;
            uint32_t *r = codes_of(ref, &m);
            Py_DECREF(ref);
            if (!r) goto fail;
            if (n < q.min_tokens || m < q.min_tokens) { /* verify.align's first test */
                got = Py_None;
                Py_INCREF(got);
            } else {
                memcpy(c, pristine, (size_t)n * sizeof(uint32_t));
                x.reference = text;
                got = pass_loop(w, c, n, r, m, &q, 0, &x);
            }
            PyMem_Free(r);
            if (!got) goto fail;
            if (got == Py_None && PySet_Add(failing, key) < 0) {
                Py_DECREF(got);
                goto fail;
            }
        } else {
            got = Py_None;
            Py_INCREF(got);
        }
        PyList_SET_ITEM(out, j, got);
    }
    lcs_give(w);
    PyMem_Free(pristine);
    PyMem_Free(c);
    return out;
fail:
    lcs_give(w);
    PyMem_Free(pristine);
    PyMem_Free(c);
    Py_DECREF(out);
    return NULL;
}

static PyObject *align_passes(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    return run_passes(args, kwargs, 0);
}

static PyObject *align_passes_chained(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    return run_passes(args, kwargs, 1);
}

static PyObject *align_chains(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *list;
    double gap_penalty, min_score;
    if (!PyArg_ParseTuple(args, "O!dd:chains", &PyList_Type, &list, &gap_penalty, &min_score)) return NULL;
    Py_ssize_t nb = PyList_GET_SIZE(list);
    Block *bl = PyMem_Malloc((size_t)(nb ? nb : 1) * sizeof(Block));
    if (!bl) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < nb; i++) {
        if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "nnn", &bl[i].a, &bl[i].b, &bl[i].size)) {
            PyMem_Free(bl);
            return NULL;
        }
    }
    Vec chains = {NULL, 0, 0, sizeof(Chain)};
    PyObject *result = NULL;
    if (chains_of(bl, nb, gap_penalty, min_score, &chains) == 0) {
        result = PyList_New(chains.len);
        for (Py_ssize_t i = 0; result && i < chains.len; i++) {
            const Chain *ch = (Chain *)chains.data + i;
            PyObject *t = int_tuple(&ch->first, 3);
            if (!t) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, i, t);
        }
    }
    PyMem_Free(chains.data);
    PyMem_Free(bl);
    return result;
}

/* In _align_index.c. */
PyObject *align_index_codes(PyObject *self, PyObject *args);
PyObject *align_index_ranges(PyObject *self, PyObject *args);

static PyMethodDef methods[] = {
    {"blocks", align_blocks, METH_VARARGS,
     "blocks(a, b) -> [(a_start, b_start, size)]: the identical runs of Indel.opcodes(a, b) "
     "(as_matching_blocks without the final empty one)."},
    {"passes", (PyCFunction)(void (*)(void))align_passes, METH_VARARGS | METH_KEYWORDS,
     "passes(cand, ref, gap_penalty, extend=0, min_score=8.0, max_passes=32, repass=10, "
     "explained=0.9) -> (spans, inside): verify._passes in one call; inside is the runs of "
     "every chain, pass by pass, as native int64 triples (a_start, b_start, size)."},
    {"passes_chained", (PyCFunction)(void (*)(void))align_passes_chained, METH_VARARGS | METH_KEYWORDS,
     "passes_chained(...) -> (spans, [(blocks, chains)]): as passes, with each pass's runs and "
     "chains as verify._passes returns them (for the tests that compare the two)."},
    {"passes_many", align_passes_many, METH_VARARGS,
     "passes_many(cand, texts, keys, failing, gap_penalty, min_score, max_passes, repass, explained, "
     "tests, min_distinct_tokens, min_original_tokens) -> [None | (spans, few_distinct)]: "
     "verify.align(cand, text.codes, ..., text.echoes)'s tests for each text in order, None without "
     "aligning where its key is in the set failing, and every key whose pair fails (or is under "
     "the token floor) added to it."},
    {"chains", align_chains, METH_VARARGS,
     "chains(blocks, gap_penalty, min_score) -> [(first, last, matched)]: verify._chains."},
    {"codes", align_index_codes, METH_VARARGS,
     "codes(low, high, start, end) -> str: a shard's token codes [start, end) "
     "(index.blocks.join_packed)."},
    {"ranges", align_index_ranges, METH_VARARGS,
     "ranges(ordered, keys, first, lengths): where each uint32 key's run starts in the sorted "
     "uint32 array and how long it is, into two int64 arrays (support.arrays.key_ranges)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "provcheck.matching._align",
    "Alignment passes in C (the pure-Python path in provcheck.matching.verify is the reference).",
    -1, methods, NULL, NULL, NULL, NULL,
};

/* Raised whenever what the functions return or accept changes: ``matching/compiled.py`` uses a
 * build only when its version is the one the Python code was written for (a stale build left in
 * a checkout by an editable install is not used). */
#define ALIGN_VERSION 3

PyMODINIT_FUNC PyInit__align(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "VERSION", ALIGN_VERSION) < 0) Py_CLEAR(m);
    return m;
}
