/* Part of provcheck.matching._align: two loops of the scan's reference side (issue 17), each
 * giving exactly what its pure-Python reference gives.
 *
 * ``codes`` decodes one reference's token codes from a shard's code files (the reference is
 * ``index.blocks.join_packed``, numpy table lookups and a UTF-32 decode: five numpy calls and a
 * codec call a reference, the scan reads ~1.5 references a record). ``ranges`` is
 * ``support.arrays._ascending_ranges`` (numpy's two binary searches over the whole anchor array,
 * ~23 steps each, most of them cache misses on a 150k-reference index) as one galloping search
 * from the previous key's place: the keys ascend, so each search starts next to where the last
 * one ended and reads a few neighbouring cache lines.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define CODE_BASE 0x100u
#define SURROGATES 0xD800u
#define SHIFT 0x800u

/* codes(low, high, start, end) -> str: codes [start, end) of a shard, ``low`` the little-endian
 * uint16 low bits of every code, ``high`` their high 4 bits two a byte (the first in the low
 * half). */
PyObject *align_index_codes(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer lo, hi;
    Py_ssize_t start, end;
    if (!PyArg_ParseTuple(args, "y*y*nn:codes", &lo, &hi, &start, &end)) return NULL;
    PyObject *result = NULL;
    uint32_t *v = NULL;
    if (start < 0 || end < start || end > lo.len / 2 || (end + 1) / 2 > hi.len) {
        PyErr_SetString(PyExc_ValueError, "codes: the range lies outside the code files");
        goto done;
    }
    Py_ssize_t n = end - start;
    v = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    if (!v) {
        PyErr_NoMemory();
        goto done;
    }
    const unsigned char *l = (const unsigned char *)lo.buf, *h = (const unsigned char *)hi.buf;
    uint32_t top = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t k = start + i;
        uint32_t x = (uint32_t)l[2 * k] | ((uint32_t)l[2 * k + 1] << 8) |
                     ((uint32_t)((h[k >> 1] >> ((k & 1) * 4)) & 15u) << 16);
        x += CODE_BASE;
        if (x >= SURROGATES) x += SHIFT;
        v[i] = x;
        if (x > top) top = x;
    }
    result = PyUnicode_New(n, (Py_UCS4)top);
    if (!result) goto done;
    int kind = PyUnicode_KIND(result);
    void *data = PyUnicode_DATA(result);
    if (kind == PyUnicode_2BYTE_KIND) {
        Py_UCS2 *d = data;
        for (Py_ssize_t i = 0; i < n; i++) d[i] = (Py_UCS2)v[i];
    } else if (kind == PyUnicode_4BYTE_KIND) {
        memcpy(data, v, (size_t)n * sizeof(uint32_t));
    } else {
        Py_UCS1 *d = data; /* no code is under U+0100: only the empty string */
        for (Py_ssize_t i = 0; i < n; i++) d[i] = (Py_UCS1)v[i];
    }
done:
    PyMem_Free(v);
    PyBuffer_Release(&lo);
    PyBuffer_Release(&hi);
    return result;
}

/* The first place in a[from, n) holding a value >= key (> key when ``after``), with a[from - 1]
 * known to be below it (or from == 0): gallop forwards, then bisect. */
static Py_ssize_t forwards(const uint32_t *a, Py_ssize_t n, Py_ssize_t from, uint32_t key, int after) {
    Py_ssize_t lo = from, step = 1, hi = from;
#define BELOW(i) (after ? a[i] <= key : a[i] < key)
    while (hi < n && BELOW(hi)) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    if (hi > n) hi = n;
    while (lo < hi) { /* a[lo - 1] below, a[hi] not (or hi == n) */
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (BELOW(mid))
            lo = mid + 1;
        else
            hi = mid;
    }
#undef BELOW
    return lo;
}

/* The first place in a[0, to] holding a value >= key, with a[to] known to hold one (or to == n):
 * gallop backwards, then bisect. */
static Py_ssize_t backwards(const uint32_t *a, Py_ssize_t to, uint32_t key) {
    Py_ssize_t hi = to, step = 1, lo = to;
    while (lo > 0 && a[lo - 1] >= key) {
        hi = lo - 1;
        lo = to - step;
        if (lo < 0) lo = 0;
        step *= 2;
    }
    while (lo < hi) { /* a[lo - 1] below (or lo == 0), a[hi] not */
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ranges(ordered, keys, first, lengths): for each key (uint32) of ``keys``, where its run of equal
 * values starts in the sorted uint32 array ``ordered`` (numpy's searchsorted, side left) and how
 * long the run is, written into the int64 arrays ``first`` and ``lengths``. Any order of keys is
 * right; ascending keys are fast. */
PyObject *align_index_ranges(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer ob, kb, fb, lb;
    if (!PyArg_ParseTuple(args, "y*y*w*w*:ranges", &ob, &kb, &fb, &lb)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = ob.len / 4, k = kb.len / 4;
    if (ob.len % 4 || kb.len % 4 || fb.len != 8 * k || lb.len != 8 * k || (uintptr_t)ob.buf % 4 ||
        (uintptr_t)kb.buf % 4 || (uintptr_t)fb.buf % 8 || (uintptr_t)lb.buf % 8) {
        PyErr_SetString(PyExc_ValueError, "ranges: uint32 arrays in, int64 arrays of the keys' length out");
        goto done;
    }
    const uint32_t *a = ob.buf, *keys = kb.buf;
    int64_t *first = fb.buf, *lengths = lb.buf;
    Py_ssize_t at = 0; /* the last key's place */
    for (Py_ssize_t i = 0; i < k; i++) {
        uint32_t key = keys[i];
        if (at < n && a[at] < key)
            at = forwards(a, n, at + 1, key, 0);
        else
            at = backwards(a, at, key);
        first[i] = at;
        lengths[i] = (at < n && a[at] == key) ? forwards(a, n, at + 1, key, 1) - at : 0;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&ob);
    PyBuffer_Release(&kb);
    PyBuffer_Release(&fb);
    PyBuffer_Release(&lb);
    return result;
}
