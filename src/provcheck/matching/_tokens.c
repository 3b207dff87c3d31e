/* provcheck.matching._tokens: the batch tokenizer's per-character loop in C (issue 17).
 *
 * ``tokenize`` does in one pass what ``provcheck.matching.normalize.tokenize`` does with numpy
 * after preparing the texts (``_encode``, ``_classify``, ``_replace``, ``_cut`` and the bounds'
 * ``searchsorted``), with the same arrays: every text's folded code points followed by one NUL,
 * a token for every maximal run of word characters and for every unspaced character alone.
 *
 * Each character's class and folded code point come from the caller's table of the Basic
 * Multilingual Plane (``fold | (class + 1) << 24``, 0 where not looked up yet); a character not
 * in it (not looked up yet, or outside the BMP) is asked of ``lookup(codepoint)``, which gives
 * the same word (and the table keeps it, as the Python path's table does). A text holding a
 * character of class IRREGULAR (folds to other than one character) is taken back and replaced
 * by the text of its reference tokens joined by spaces, in which such a character is a separator
 * (as ``_cut`` reads the classes of ``_replace``'s text). ``replace(i)`` gives the text those
 * tokens are cut from (``prepare`` of the text); here it is folded character by character
 * (``fold_string(cp)`` for a character that folds to other than one) and cut as ``_TOKEN_RE``
 * cuts folded text: every unspaced character alone, every maximal run of other alphanumerics
 * (the classes of ``folded_class``, kept in ``folded_table``, -1 where not looked up yet).
 *
 * The pure-Python path stays the reference: ``tests/unit/test_tokens_compiled.py`` checks that
 * both give the same arrays on random and hostile text.
 *
 * ``trigram_sketches`` is the index-time side of ``provcheck.matching.trigrams``: each text's
 * ``keep`` smallest distinct token-trigram hashes, from its token hashes, in one pass a text
 * (the numpy path, ``trigrams.sketches_of_hashes``, is the reference:
 * ``tests/unit/test_trigrams.py`` compares them).
 *
 * ``token_hashes`` is ``fingerprint._token_hashes`` (the numpy path, its reference:
 * ``tests/unit/test_token_hashes_compiled.py``): each token's polynomial over its folded code
 * points, its length mixed in, MurmurHash3's finalizer, in one pass over the tokens' characters
 * (the numpy path makes prefix sums over every character of the batch, eight passes).
 *
 * ``holds_any`` is ``any(n in text for n in needles)`` for ASCII needles in one pass over the
 * text (the code prefilter's hints, ``matching.code._has_hint``: a dozen substring searches of
 * every multi-line text of an index build, most of which hold none).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define TOKENS_VERSION 5
#define BMP 0x10000
#define SEPARATOR 0
#define WORD 1
#define UNSPACED 2
#define IRREGULAR 3

typedef struct {
    char *data;
    Py_ssize_t len, cap;
    size_t item;
} Vec;

static int vec_reserve(Vec *v, Py_ssize_t want) {
    if (want <= v->cap) return 0;
    Py_ssize_t cap = v->cap ? v->cap : 1024;
    while (cap < want) cap += cap / 2 > 1024 ? cap / 2 : 1024;
    void *p = PyMem_Realloc(v->data, (size_t)cap * v->item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    v->data = p;
    v->cap = cap;
    return 0;
}

typedef struct {
    Vec chars;  /* uint32 */
    Vec starts; /* int64 */
    Vec ends;   /* int64 */
    uint32_t *table;
    PyObject *lookup;
    int8_t *folded_table; /* ``_folded_class`` of each BMP code point, -1 where not looked up */
    PyObject *folded_class;
    PyObject *fold_string;
    Vec joined; /* uint32: a replaced text's tokens joined by spaces */
    uint32_t fold1[256]; /* the table's folded code point of each Latin-1 character */
    uint8_t word1[256];  /* 1 where it is a word character */
    uint8_t irregular1[256];
} State;

/* The table word of ``cp``: from the table, else from ``lookup`` (kept in the table for the
 * BMP). 0 with an exception set on error. */
static uint32_t entry_of(State *s, Py_UCS4 cp) {
    if (cp < BMP) {
        uint32_t e = s->table[cp];
        if (e) return e;
    }
    PyObject *arg = PyLong_FromUnsignedLong((unsigned long)cp);
    if (!arg) return 0;
    PyObject *r = PyObject_CallOneArg(s->lookup, arg);
    Py_DECREF(arg);
    if (!r) return 0;
    unsigned long v = PyLong_AsUnsignedLong(r);
    Py_DECREF(r);
    if (v == (unsigned long)-1 && PyErr_Occurred()) return 0;
    if (v == 0 || v > 0xFFFFFFFFUL) {
        PyErr_SetString(PyExc_ValueError, "lookup gave an entry out of range");
        return 0;
    }
    if (cp < BMP) s->table[cp] = (uint32_t)v;
    return (uint32_t)v;
}

/* The loop over one text's characters, for one storage kind (``TYPE``: Py_UCS1, Py_UCS2 or
 * Py_UCS4). Branch-free at token edges (a word boundary every few characters would mispredict):
 * every position writes a start and an end, and the counters move only where one is. A word
 * run ends where a non-word character follows it; an unspaced character is a token itself.
 * Sets ``rc`` to 1 (strict, IRREGULAR met) or -1 (error) and leaves the loop. */
#define TEXT_LOOP(TYPE)                                                              \
    do {                                                                             \
        const TYPE *src = (const TYPE *)data;                                        \
        for (Py_ssize_t k = 0; k < n; k++) {                                         \
            Py_UCS4 cp = src[k];                                                     \
            uint32_t e = cp < BMP ? table[cp] : 0;                                   \
            if (e == 0) {                                                            \
                e = entry_of(s, cp);                                                 \
                if (!e) {                                                            \
                    rc = -1;                                                         \
                    break;                                                           \
                }                                                                    \
            }                                                                        \
            uint32_t cls = (e >> 24) - 1;                                            \
            if (cls == IRREGULAR && strict) {                                        \
                rc = 1;                                                              \
                break;                                                               \
            }                                                                        \
            int64_t p = base + k;                                                    \
            chars[k] = e & 0xFFFFFFu;                                                \
            int w = cls == WORD, u = cls == UNSPACED;                                \
            starts[ns] = p;                                                          \
            ns += (w & !prev) | u;                                                   \
            ends[ne] = p;                                                            \
            ne += prev & !w;                                                         \
            ends[ne] = p + 1;                                                        \
            ne += u;                                                                 \
            prev = w;                                                                \
        }                                                                            \
    } while (0)

/* Appends ``text``'s folded code points and tokens, then one NUL. Returns 1 when ``strict``
 * and the text holds an IRREGULAR character (nothing of it is kept then), 0 when done, -1 on
 * error. Without ``strict`` an IRREGULAR character is a separator. */
static int add_chars(State *s, int kind, const void *data, Py_ssize_t n, int strict) {
    Py_ssize_t chars0 = s->chars.len, tok0 = s->starts.len;
    /* At most one token per character, one more slot for the unconditional writes, one NUL. */
    if (vec_reserve(&s->chars, chars0 + n + 1) < 0) return -1;
    if (vec_reserve(&s->starts, tok0 + n + 2) < 0) return -1;
    if (vec_reserve(&s->ends, tok0 + n + 2) < 0) return -1;
    uint32_t *chars = (uint32_t *)s->chars.data + chars0;
    int64_t *starts = (int64_t *)s->starts.data;
    int64_t *ends = (int64_t *)s->ends.data;
    const uint32_t *table = s->table;
    const int64_t base = (int64_t)chars0;
    Py_ssize_t ns = tok0, ne = tok0;
    int prev = 0, rc = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        /* Latin-1 holds no unspaced character: a token is a run of word characters. */
        const Py_UCS1 *src = (const Py_UCS1 *)data;
        const uint32_t *fold1 = s->fold1;
        const uint8_t *word1 = s->word1, *irregular1 = s->irregular1;
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_UCS1 c = src[k];
            if (irregular1[c] & strict) {
                rc = 1;
                break;
            }
            int64_t p = base + k;
            int w = word1[c];
            chars[k] = fold1[c];
            starts[ns] = p;
            ns += w & !prev;
            ends[ne] = p;
            ne += prev & !w;
            prev = w;
        }
    } else if (kind == PyUnicode_2BYTE_KIND)
        TEXT_LOOP(Py_UCS2);
    else
        TEXT_LOOP(Py_UCS4);
    if (rc) return rc;
    if (prev) ends[ne++] = base + n;
    chars[n] = 0;
    s->chars.len = chars0 + n + 1;
    s->starts.len = ns;
    s->ends.len = ne;
    return 0;
}

static int add_text(State *s, PyObject *text, int strict) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "texts must be str");
        return -1;
    }
    return add_chars(s, PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), strict);
}

/* ``_folded_class(cp)``: the class ``_TOKEN_RE`` gives a character of folded text. -1 on error. */
static int folded_class_of(State *s, Py_UCS4 cp) {
    if (cp < BMP && s->folded_table[cp] >= 0) return s->folded_table[cp];
    PyObject *arg = PyLong_FromUnsignedLong((unsigned long)cp);
    if (!arg) return -1;
    PyObject *r = PyObject_CallOneArg(s->folded_class, arg);
    Py_DECREF(arg);
    if (!r) return -1;
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v != SEPARATOR && v != WORD && v != UNSPACED) {
        PyErr_SetString(PyExc_ValueError, "folded_class gave a class out of range");
        return -1;
    }
    if (cp < BMP) s->folded_table[cp] = (int8_t)v;
    return (int)v;
}

/* Appends one folded character to the joined text, cutting as ``_TOKEN_RE`` does. */
static int join_folded(State *s, Py_UCS4 fc, int *in_word, int *first) {
    int cls = folded_class_of(s, fc);
    if (cls < 0) return -1;
    if (cls == SEPARATOR) {
        *in_word = 0;
        return 0;
    }
    if (vec_reserve(&s->joined, s->joined.len + 2) < 0) return -1;
    uint32_t *out = (uint32_t *)s->joined.data;
    if (cls == UNSPACED || !*in_word) {
        if (!*first) out[s->joined.len++] = ' ';
        *first = 0;
    }
    out[s->joined.len++] = fc;
    *in_word = cls == WORD;
    return 0;
}

/* Appends the text of ``base``'s reference tokens joined by spaces (``" ".join(
 * _TOKEN_RE.findall(base.translate(_FOLD)))``), IRREGULAR characters as separators. */
static int add_reference(State *s, PyObject *base) {
    if (!PyUnicode_Check(base)) {
        PyErr_SetString(PyExc_TypeError, "replace must give a str");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(base);
    int kind = PyUnicode_KIND(base);
    const void *data = PyUnicode_DATA(base);
    int in_word = 0, first = 1;
    s->joined.len = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_UCS4 cp = PyUnicode_READ(kind, data, k);
        uint32_t e = entry_of(s, cp);
        if (!e) return -1;
        if ((e >> 24) - 1 != IRREGULAR) {
            if (join_folded(s, e & 0xFFFFFFu, &in_word, &first) < 0) return -1;
            continue;
        }
        PyObject *arg = PyLong_FromUnsignedLong((unsigned long)cp);
        if (!arg) return -1;
        PyObject *folded = PyObject_CallOneArg(s->fold_string, arg);
        Py_DECREF(arg);
        if (!folded) return -1;
        if (!PyUnicode_Check(folded)) {
            Py_DECREF(folded);
            PyErr_SetString(PyExc_TypeError, "fold_string must give a str");
            return -1;
        }
        Py_ssize_t m = PyUnicode_GET_LENGTH(folded);
        int fkind = PyUnicode_KIND(folded);
        const void *fdata = PyUnicode_DATA(folded);
        for (Py_ssize_t j = 0; j < m; j++) {
            if (join_folded(s, PyUnicode_READ(fkind, fdata, j), &in_word, &first) < 0) {
                Py_DECREF(folded);
                return -1;
            }
        }
        Py_DECREF(folded);
    }
    return add_chars(s, PyUnicode_4BYTE_KIND, s->joined.data ? s->joined.data : "", s->joined.len, 0);
}

static PyObject *as_bytearray(Vec *v) {
    return PyByteArray_FromStringAndSize(v->data ? v->data : "", (Py_ssize_t)(v->len * v->item));
}

static PyObject *tokenize(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *texts, *lookup, *replace, *folded_class, *fold_string;
    Py_buffer table, folded;
    if (!PyArg_ParseTuple(args, "O!w*OOw*OO", &PyList_Type, &texts, &table, &lookup, &replace, &folded,
                          &folded_class, &fold_string))
        return NULL;
    PyObject *result = NULL;
    State s = {{NULL, 0, 0, 4}, {NULL, 0, 0, 8}, {NULL, 0, 0, 8}, NULL, lookup, NULL, folded_class, fold_string,
               {NULL, 0, 0, 4}, {0}, {0}, {0}};
    Vec bounds = {NULL, 0, 0, 8}, offsets = {NULL, 0, 0, 8};
    if (table.len != (Py_ssize_t)(BMP * sizeof(uint32_t)) || table.itemsize != 4) {
        PyErr_SetString(PyExc_ValueError, "table must hold 65536 uint32 words");
        goto done;
    }
    if (folded.len != BMP || folded.itemsize != 1) {
        PyErr_SetString(PyExc_ValueError, "folded_table must hold 65536 int8 classes");
        goto done;
    }
    s.table = (uint32_t *)table.buf;
    s.folded_table = (int8_t *)folded.buf;
    for (Py_UCS4 c = 0; c < 256; c++) {
        uint32_t e = entry_of(&s, c);
        if (!e) goto done;
        uint32_t cls = (e >> 24) - 1;
        if (cls == UNSPACED) {
            PyErr_SetString(PyExc_ValueError, "a Latin-1 character classed unspaced");
            goto done;
        }
        s.fold1[c] = e & 0xFFFFFFu;
        s.word1[c] = cls == WORD;
        s.irregular1[c] = cls == IRREGULAR;
    }
    Py_ssize_t count = PyList_GET_SIZE(texts);
    if (vec_reserve(&bounds, count + 1) < 0 || vec_reserve(&offsets, count + 1) < 0) goto done;
    /* Room for every text as it is (only a replaced text can need more): no copy as they grow. */
    Py_ssize_t total = count + 2;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (PyUnicode_Check(text)) total += PyUnicode_GET_LENGTH(text);
    }
    if (vec_reserve(&s.chars, total) < 0 || vec_reserve(&s.starts, total) < 0 || vec_reserve(&s.ends, total) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        ((int64_t *)bounds.data)[i] = (int64_t)s.starts.len;
        ((int64_t *)offsets.data)[i] = (int64_t)s.chars.len;
        PyObject *text = PyList_GET_ITEM(texts, i);
        Py_INCREF(text); /* the list may change while ``lookup`` or ``replace`` runs */
        int rc = add_text(&s, text, 1);
        Py_DECREF(text);
        if (rc < 0) goto done;
        if (rc == 1) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index) goto done;
            PyObject *other = PyObject_CallOneArg(replace, index);
            Py_DECREF(index);
            if (!other) goto done;
            rc = add_reference(&s, other);
            Py_DECREF(other);
            if (rc < 0) goto done;
        }
    }
    ((int64_t *)bounds.data)[count] = (int64_t)s.starts.len;
    ((int64_t *)offsets.data)[count] = (int64_t)s.chars.len;
    bounds.len = offsets.len = count + 1;
    {
        PyObject *parts[5] = {as_bytearray(&s.chars), as_bytearray(&s.starts), as_bytearray(&s.ends),
                              as_bytearray(&bounds), as_bytearray(&offsets)};
        if (parts[0] && parts[1] && parts[2] && parts[3] && parts[4])
            result = PyTuple_Pack(5, parts[0], parts[1], parts[2], parts[3], parts[4]);
        for (int j = 0; j < 5; j++) Py_XDECREF(parts[j]);
    }
done:
    PyBuffer_Release(&table);
    PyBuffer_Release(&folded);
    PyMem_Free(s.joined.data);
    PyMem_Free(s.chars.data);
    PyMem_Free(s.starts.data);
    PyMem_Free(s.ends.data);
    PyMem_Free(bounds.data);
    PyMem_Free(offsets.data);
    return result;
}

/* ``trigrams._hashes`` of one trigram of token codes, ``trigrams.sketch_of_hashes``'s codes:
 * the top 20 bits of a token hash, shifted past the controls and the surrogates. */
static inline uint64_t trigram_code(uint64_t hash) {
    uint64_t code = (hash >> 44) + 0x100u;
    return code >= 0xD800u ? code + 0x800u : code;
}

#define MAX_KEEP 64

static PyObject *trigram_sketches(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer hashes, counts;
    int keep;
    if (!PyArg_ParseTuple(args, "y*y*i", &hashes, &counts, &keep)) return NULL;
    PyObject *result = NULL;
    Vec sizes = {NULL, 0, 0, 8}, values = {NULL, 0, 0, 4};
    Py_ssize_t total = hashes.len / 8, texts = counts.len / 8;
    if (hashes.len % 8 || counts.len % 8 || keep < 1 || keep > MAX_KEEP) {
        PyErr_SetString(PyExc_ValueError, "hashes and counts must hold 8-byte words; 1 <= keep <= 64");
        goto done;
    }
    if (vec_reserve(&sizes, texts) < 0 || vec_reserve(&values, texts * keep) < 0) goto done;
    {
        const uint64_t *h = (const uint64_t *)hashes.buf;
        const int64_t *n = (const int64_t *)counts.buf;
        int64_t *out_sizes = (int64_t *)sizes.data;
        uint32_t *out = (uint32_t *)values.data;
        Py_ssize_t at = 0, written = 0;
        for (Py_ssize_t t = 0; t < texts; t++) {
            int64_t count = n[t];
            if (count < 0 || count > total - at) {
                PyErr_SetString(PyExc_ValueError, "counts do not add up to the hashes given");
                goto done;
            }
            uint32_t best[MAX_KEEP];
            int m = 0;
            if (count >= 3) {
                uint64_t c0 = trigram_code(h[at]), c1 = trigram_code(h[at + 1]);
                for (int64_t i = 2; i < count; i++) {
                    uint64_t c2 = trigram_code(h[at + i]);
                    uint64_t x = (c0 << 40) | (c1 << 20) | c2;
                    x *= 0xFF51AFD7ED558CCDull;
                    x ^= x >> 33;
                    uint32_t v = (uint32_t)(x >> 32);
                    c0 = c1;
                    c1 = c2;
                    if (m == keep && v >= best[m - 1]) continue;
                    int j = m;
                    while (j > 0 && best[j - 1] > v) j--;
                    if (j > 0 && best[j - 1] == v) continue; /* distinct hashes only */
                    int end = m < keep ? m : keep - 1;
                    memmove(best + j + 1, best + j, (size_t)(end - j) * sizeof(uint32_t));
                    best[j] = v;
                    if (m < keep) m++;
                }
            }
            at += (Py_ssize_t)count;
            out_sizes[t] = m;
            memcpy(out + written, best, (size_t)m * sizeof(uint32_t));
            written += m;
        }
        if (at != total) {
            PyErr_SetString(PyExc_ValueError, "counts do not add up to the hashes given");
            goto done;
        }
        sizes.len = texts;
        values.len = written;
    }
    {
        PyObject *a = as_bytearray(&sizes), *b = as_bytearray(&values);
        if (a && b) result = PyTuple_Pack(2, a, b);
        Py_XDECREF(a);
        Py_XDECREF(b);
    }
done:
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&counts);
    PyMem_Free(sizes.data);
    PyMem_Free(values.data);
    return result;
}

/* ``fingerprint._token_hashes``: for each token ``(starts[i], ends[i])`` of ``chars``,
 * ``fmix64(sum((chars[k] + 1) * base**(k - start)) ^ (end - start) * len_mix)`` modulo 2**64
 * (the numpy path's ``(prefix[end] - prefix[start]) * base**-start`` is the same sum). */
static PyObject *token_hashes(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer chars, starts, ends;
    unsigned long long base, len_mix;
    if (!PyArg_ParseTuple(args, "y*y*y*KK", &chars, &starts, &ends, &base, &len_mix)) return NULL;
    PyObject *result = NULL;
    Vec out = {NULL, 0, 0, 8};
    Py_ssize_t n = chars.len / 4, tokens = starts.len / 8;
    if (chars.len % 4 || starts.len % 8 || ends.len != starts.len) {
        PyErr_SetString(PyExc_ValueError, "chars must hold 4-byte words, starts and ends as many 8-byte ones");
        goto done;
    }
    if (vec_reserve(&out, tokens) < 0) goto done;
    {
        const uint32_t *c = (const uint32_t *)chars.buf;
        const int64_t *a = (const int64_t *)starts.buf, *b = (const int64_t *)ends.buf;
        uint64_t *h = (uint64_t *)out.data;
        for (Py_ssize_t i = 0; i < tokens; i++) {
            int64_t start = a[i], end = b[i];
            if (start < 0 || end < start || end > n) {
                PyErr_SetString(PyExc_ValueError, "a token lies outside the characters");
                goto done;
            }
            uint64_t x = 0, power = 1;
            for (int64_t k = start; k < end; k++) {
                x += ((uint64_t)c[k] + 1u) * power;
                power *= base;
            }
            x ^= (uint64_t)(end - start) * len_mix;
            x ^= x >> 33;
            x *= 0xFF51AFD7ED558CCDull;
            x ^= x >> 33;
            x *= 0xC4CEB9FE1A85EC53ull;
            x ^= x >> 33;
            h[i] = x;
        }
        out.len = tokens;
    }
    result = as_bytearray(&out);
done:
    PyBuffer_Release(&chars);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    PyMem_Free(out.data);
    return result;
}

/* ``holds_any``: each needle is looked for through one pair of its adjacent characters (the
 * one rarest in English by letter frequency: ``ur`` of ``return``, ``mp`` of ``import ``), a
 * needle of one character through every pair it starts; one bit a pair of code points under
 * 256 tells whether a needle may stand there, so a text is read once, pair by pair, and a
 * needle is compared only where its pair is (a text holds a needle only where its pair is).
 * The table is made for one tuple of needles and kept while that tuple is passed. */
#define MAX_NEEDLES 64
static PyObject *pairs_for = NULL;           /* the tuple the table is made for */
static uint8_t pairs[256 * 256 / 8];         /* bit (a << 8 | b): a needle may stand at a pair ab */
static uint8_t singles[256];                 /* a needle of this one character */
static Py_ssize_t needle_count;
static Py_UCS1 needle_chars[MAX_NEEDLES][64];
static Py_ssize_t needle_len[MAX_NEEDLES], needle_at[MAX_NEEDLES];
static int needle_pair[MAX_NEEDLES];

static int char_rank(unsigned char c) {
    /* A character's frequency in English prose, roughly: letters by "etaoinshrdlucmfwypvbgkjqxz",
     * the space above them all, capitals, digits and punctuation below. */
    static const char order[] = "etaoinshrdlucmfwypvbgkjqxz";
    if (c == ' ') return 40;
    const char *at = c ? strchr(order, c) : NULL;
    if (at) return 30 - (int)(at - order);
    return 1;
}

static int make_pairs(PyObject *needles) {
    Py_ssize_t count = PyTuple_GET_SIZE(needles);
    if (count > MAX_NEEDLES) {
        PyErr_SetString(PyExc_ValueError, "at most 64 needles");
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *needle = PyTuple_GET_ITEM(needles, i);
        if (!PyUnicode_Check(needle) || !PyUnicode_IS_ASCII(needle) || PyUnicode_GET_LENGTH(needle) > 64) {
            PyErr_SetString(PyExc_TypeError, "needles must be ASCII strings of at most 64 characters");
            return -1;
        }
    }
    memset(pairs, 0, sizeof pairs);
    memset(singles, 0, sizeof singles);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *needle = PyTuple_GET_ITEM(needles, i);
        const Py_UCS1 *c = PyUnicode_1BYTE_DATA(needle);
        Py_ssize_t len = PyUnicode_GET_LENGTH(needle);
        needle_len[i] = len;
        memcpy(needle_chars[i], c, (size_t)len);
        if (len == 1) {
            singles[c[0]] = 1;
            for (int b = 0; b < 256; b++) pairs[(c[0] << 8 | b) >> 3] |= (uint8_t)(1u << (b & 7));
            continue;
        }
        if (len == 0) continue; /* "" is in every text: holds_any answers before any pair */
        Py_ssize_t best = 0;
        int rank = 1 << 30;
        for (Py_ssize_t k = 0; k + 1 < len; k++) {
            int r = char_rank(c[k]) * char_rank(c[k + 1]);
            if (r < rank) rank = r, best = k;
        }
        needle_at[i] = best;
        needle_pair[i] = c[best] << 8 | c[best + 1];
        pairs[needle_pair[i] >> 3] |= (uint8_t)(1u << (needle_pair[i] & 7));
    }
    Py_XDECREF(pairs_for);
    Py_INCREF(needles);
    pairs_for = needles;
    needle_count = count;
    return 0;
}

/* Whether a needle of two or more characters whose pair is ``pair`` stands with that pair at
 * ``at`` of the text. */
#define HOLDS_AT(TYPE)                                                                           \
    static int holds_at_##TYPE(const TYPE *t, Py_ssize_t n, Py_ssize_t at, int pair) {           \
        for (Py_ssize_t i = 0; i < needle_count; i++) {                                          \
            Py_ssize_t len = needle_len[i], start = at - needle_at[i];                           \
            if (len < 2 || needle_pair[i] != pair || start < 0 || start + len > n) continue;     \
            Py_ssize_t k = 0;                                                                    \
            while (k < len && t[start + k] == needle_chars[i][k]) k++;                           \
            if (k == len) return 1;                                                              \
        }                                                                                        \
        return 0;                                                                                \
    }                                                                                            \
    static int scan_##TYPE(const TYPE *t, Py_ssize_t n) {                                        \
        for (Py_ssize_t at = 0; at + 1 < n; at++) {                                              \
            Py_UCS4 a = t[at], b = t[at + 1];                                                    \
            if (a > 255 || b > 255) { /* no pair of a needle: a needle of one character? */      \
                if (a < 256 && singles[a]) return 1;                                             \
                continue;                                                                        \
            }                                                                                    \
            int pair = (int)(a << 8 | b);                                                        \
            if (!(pairs[pair >> 3] & (1u << (pair & 7)))) continue;                              \
            if (singles[a] || holds_at_##TYPE(t, n, at, pair)) return 1;                         \
        }                                                                                        \
        return n > 0 && t[n - 1] < 256 && singles[t[n - 1]];                                     \
    }
HOLDS_AT(Py_UCS1)
HOLDS_AT(Py_UCS2)
HOLDS_AT(Py_UCS4)

static PyObject *holds_any(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *text, *needles;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyTuple_Type, &needles)) return NULL;
    if (needles != pairs_for && make_pairs(needles) < 0) return NULL;
    for (Py_ssize_t i = 0; i < needle_count; i++) {
        if (needle_len[i] == 0) Py_RETURN_TRUE;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int found;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: found = scan_Py_UCS1(PyUnicode_1BYTE_DATA(text), n); break;
    case PyUnicode_2BYTE_KIND: found = scan_Py_UCS2(PyUnicode_2BYTE_DATA(text), n); break;
    default: found = scan_Py_UCS4(PyUnicode_4BYTE_DATA(text), n); break;
    }
    return PyBool_FromLong(found);
}

static PyMethodDef methods[] = {
    {"tokenize", tokenize, METH_VARARGS,
     "tokenize(texts, table, lookup, replace, folded_table, folded_class, fold_string) -> "
     "(chars, starts, ends, bounds, offsets) as bytearrays"},
    {"trigram_sketches", trigram_sketches, METH_VARARGS,
     "trigram_sketches(hashes, counts, keep) -> (sizes, values) as bytearrays: each text's keep "
     "smallest distinct token-trigram hashes (uint32, ascending) and how many (int64)"},
    {"token_hashes", token_hashes, METH_VARARGS,
     "token_hashes(chars, starts, ends, base, len_mix) -> bytearray of each token's hash (uint64)"},
    {"holds_any", holds_any, METH_VARARGS,
     "holds_any(text, needles) -> any(n in text for n in needles), for a tuple of ASCII strings"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "provcheck.matching._tokens",
    "The batch tokenizer's character loop in C (provcheck.matching.normalize's numpy path is the reference).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__tokens(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "VERSION", TOKENS_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
