/*
 * companion.tracking._hostwalk: the compiled twin of companion/tracking/hostwalk.py.
 *
 * Matching a URL against the host table is the companion's hottest loop: every page the
 * shopper opens, and a whole browsing history at once from `cashback-companion match`. In
 * CPython the regular expression that cuts the host out of a URL, and a probe of a dict of
 * 50,000 domains, each cost about as much as tldextract's whole budget allows for
 * (docs/reliability.md, "Goals once missed"). So HostTable is written here once more:
 *
 * - the host is read out of the URL in one pass, without a regular expression;
 * - the table is open addressing over 8-byte slots (a tag of the hash and an entry's number),
 *   the keys' bytes packed in one buffer: 3 MiB for 50,000 domains where the dict and its str
 *   took 5, and a probe that misses reads one slot instead of the dict's three objects;
 * - each table hashes with SipHash-1-3 (CPython's own string hash) under a key of its own from
 *   os.urandom, so no catalog can be made to pile its hosts into one run of slots.
 *
 * hostwalk.py stays the reference: it is what runs where no compiler was at hand when the
 * companion was installed, and tests/unit/test_hostwalk.py holds the two to the same answers.
 *
 * The table keeps no Python objects: a lookup makes the str of the domain and of the partner id
 * it answers with. Every index into a string is checked against the string's length first, and
 * no parent longer than the table's longest host is read at all.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The longest host a table takes (DNS's limit; catalog validation holds hosts to it too). */
#define MAX_HOST 253
/* An entry's value when its host is carved out of a partner (the dict's None). The arena stays
 * shorter than this, so it is no partner id's offset. */
#define CARVED_OUT UINT32_MAX

typedef struct {
    uint32_t offset; /* the host's bytes in the arena */
    uint32_t length;
    uint32_t value; /* the partner id's offset in the arena, or CARVED_OUT */
    uint32_t value_length;
} Entry;

typedef struct {
    uint32_t tag;   /* the hash's upper half, so most misses never read an entry */
    uint32_t entry; /* 1 + the entry's number; 0 for an empty slot */
} Slot;

typedef struct {
    PyObject_HEAD
    uint64_t k0, k1; /* this table's SipHash key */
    char *arena;     /* every host's bytes and every partner id's, back to back; never NULL */
    size_t arena_used, arena_size;
    Entry *entries;
    size_t count, entries_size;
    Slot *slots;
    size_t mask;       /* slots - 1; slots a power of two at least twice the entries */
    Py_ssize_t hosts;  /* distinct hosts, for len() */
    Py_ssize_t longest; /* the longest host's length: no longer parent is looked up */
} HostTable;

/* SipHash-1-3 (Aumasson and Bernstein), bytes read little-endian on every machine. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                               \
    do {                                                                                       \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                              \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                 \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                 \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                              \
    } while (0)

static uint64_t
siphash13(uint64_t k0, uint64_t k1, const unsigned char *bytes, size_t length)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t whole = length - length % 8;
    for (size_t at = 0; at < whole; at += 8) {
        uint64_t m = 0;
        for (int i = 0; i < 8; i++) {
            m |= (uint64_t)bytes[at + i] << (8 * i);
        }
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)length << 56;
    for (size_t i = 0; i < length % 8; i++) {
        last |= (uint64_t)bytes[whole + i] << (8 * i);
    }
    v3 ^= last;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static inline size_t
slot_of(uint64_t hash, size_t mask)
{
    return (size_t)hash & mask;
}

static inline uint32_t
tag_of(uint64_t hash)
{
    return (uint32_t)(hash >> 32);
}

/* ---- building ---------------------------------------------------------------------------- */

static int
arena_append(HostTable *table, const char *bytes, size_t length, uint32_t *offset)
{
    /* Offsets stay below CARVED_OUT. */
    if (length >= UINT32_MAX - table->arena_used) {
        PyErr_SetString(PyExc_OverflowError, "HostTable: over 4 GiB of hosts");
        return -1;
    }
    if (table->arena_used + length > table->arena_size) {
        size_t size = table->arena_size;
        while (size < table->arena_used + length) {
            size *= 2;
        }
        char *grown = PyMem_Realloc(table->arena, size);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        table->arena = grown;
        table->arena_size = size;
    }
    memcpy(table->arena + table->arena_used, bytes, length);
    *offset = (uint32_t)table->arena_used;
    table->arena_used += length;
    return 0;
}

static int
entries_append(HostTable *table, Entry entry)
{
    if (table->count == table->entries_size) {
        size_t size = table->entries_size ? table->entries_size * 2 : 64;
        if (size > UINT32_MAX - 1) {
            PyErr_SetString(PyExc_OverflowError, "HostTable: too many hosts");
            return -1;
        }
        Entry *grown = PyMem_Realloc(table->entries, size * sizeof(Entry));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        table->entries = grown;
        table->entries_size = size;
    }
    table->entries[table->count++] = entry;
    return 0;
}

/* One (host, partner id or None) pair into the arena and the entries; the same refusals, in the
 * same order, as PyHostTable's. */
static int
add_pair(HostTable *table, PyObject *pair)
{
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_TypeError,
                     "HostTable: each item must be a (host, partner id) pair, not %.100s",
                     Py_TYPE(pair)->tp_name);
        return -1;
    }
    PyObject *host = PyTuple_GET_ITEM(pair, 0), *partner_id = PyTuple_GET_ITEM(pair, 1);
    if (!PyUnicode_Check(host) || !PyUnicode_IS_ASCII(host) ||
        PyUnicode_GET_LENGTH(host) > MAX_HOST) {
        PyErr_Format(PyExc_ValueError,
                     "HostTable: a host must be an ASCII str of at most %d characters, not %R",
                     MAX_HOST, host);
        return -1;
    }
    if (partner_id != Py_None && (!PyUnicode_Check(partner_id) || !PyUnicode_IS_ASCII(partner_id))) {
        PyErr_Format(PyExc_ValueError,
                     "HostTable: the partner id of %R must be an ASCII str or None", host);
        return -1;
    }
    Entry entry = {0, 0, CARVED_OUT, 0};
    Py_ssize_t length = PyUnicode_GET_LENGTH(host);
    if (arena_append(table, (const char *)PyUnicode_DATA(host), (size_t)length, &entry.offset)) {
        return -1;
    }
    entry.length = (uint32_t)length;
    if (partner_id != Py_None) {
        Py_ssize_t id_length = PyUnicode_GET_LENGTH(partner_id);
        if (arena_append(table, (const char *)PyUnicode_DATA(partner_id), (size_t)id_length,
                         &entry.value)) {
            return -1;
        }
        entry.value_length = (uint32_t)id_length;
    }
    if (length > table->longest) {
        table->longest = length;
    }
    return entries_append(table, entry);
}

/* Every entry into the slots, in order; a host given twice keeps its last value, as a dict. */
static int
index_entries(HostTable *table)
{
    size_t size = 8;
    while (size < table->count * 2) {
        size *= 2;
    }
    table->slots = PyMem_Calloc(size, sizeof(Slot));
    if (table->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    table->mask = size - 1;
    for (size_t number = 0; number < table->count; number++) {
        const Entry *entry = &table->entries[number];
        const char *key = table->arena + entry->offset;
        uint64_t hash = siphash13(table->k0, table->k1, (const unsigned char *)key, entry->length);
        size_t at = slot_of(hash, table->mask);
        for (;;) {
            Slot *slot = &table->slots[at];
            if (slot->entry == 0) {
                slot->tag = tag_of(hash);
                slot->entry = (uint32_t)number + 1;
                table->hosts++;
                break;
            }
            const Entry *other = &table->entries[slot->entry - 1];
            if (slot->tag == tag_of(hash) && other->length == entry->length &&
                memcmp(table->arena + other->offset, key, entry->length) == 0) {
                slot->entry = (uint32_t)number + 1;
                break;
            }
            at = (at + 1) & table->mask;
        }
    }
    return 0;
}

/* The table's own SipHash key, from os.urandom. */
static int
seed(HostTable *table)
{
    PyObject *os = PyImport_ImportModule("os");
    if (os == NULL) {
        return -1;
    }
    PyObject *random = PyObject_CallMethod(os, "urandom", "i", 16);
    Py_DECREF(os);
    if (random == NULL) {
        return -1;
    }
    if (!PyBytes_Check(random) || PyBytes_GET_SIZE(random) != 16) {
        Py_DECREF(random);
        PyErr_SetString(PyExc_RuntimeError, "HostTable: os.urandom gave no key");
        return -1;
    }
    memcpy(&table->k0, PyBytes_AS_STRING(random), 8);
    memcpy(&table->k1, PyBytes_AS_STRING(random) + 8, 8);
    Py_DECREF(random);
    return 0;
}

static void
HostTable_dealloc(HostTable *self)
{
    PyTypeObject *type = Py_TYPE(self);
    PyMem_Free(self->arena);
    PyMem_Free(self->entries);
    PyMem_Free(self->slots);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);
}

static PyObject *
HostTable_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *items;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "HostTable() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "HostTable", 1, 1, &items)) {
        return NULL;
    }
    HostTable *table = (HostTable *)type->tp_alloc(type, 0);
    if (table == NULL) {
        return NULL;
    }
    table->arena = PyMem_Malloc(4096);
    if (table->arena == NULL) {
        Py_DECREF(table);
        return PyErr_NoMemory();
    }
    table->arena_size = 4096;
    PyObject *iterator = seed(table) ? NULL : PyObject_GetIter(items);
    if (iterator == NULL) {
        Py_DECREF(table);
        return NULL;
    }
    PyObject *pair;
    while ((pair = PyIter_Next(iterator)) != NULL) {
        int failed = add_pair(table, pair);
        Py_DECREF(pair);
        if (failed) {
            break;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred() || index_entries(table)) {
        Py_DECREF(table);
        return NULL;
    }
    /* The arena and the entries were grown by doubling: give the rest back. */
    if (table->arena_used > 0) {
        char *arena = PyMem_Realloc(table->arena, table->arena_used);
        if (arena != NULL) {
            table->arena = arena;
            table->arena_size = table->arena_used;
        }
    }
    if (table->count > 0) {
        Entry *entries = PyMem_Realloc(table->entries, table->count * sizeof(Entry));
        if (entries != NULL) {
            table->entries = entries;
            table->entries_size = table->count;
        }
    }
    return (PyObject *)table;
}

/* ---- looking up -------------------------------------------------------------------------- */

/* The entry whose host is the given bytes, or NULL. */
static const Entry *
find(const HostTable *table, const unsigned char *host, size_t length)
{
    uint64_t hash = siphash13(table->k0, table->k1, host, length);
    for (size_t at = slot_of(hash, table->mask);; at = (at + 1) & table->mask) {
        const Slot *slot = &table->slots[at];
        if (slot->entry == 0) {
            return NULL; /* the slots are at most half full: a run always ends */
        }
        if (slot->tag != tag_of(hash)) {
            continue;
        }
        const Entry *entry = &table->entries[slot->entry - 1];
        if (entry->length == length && memcmp(table->arena + entry->offset, host, length) == 0) {
            return entry;
        }
    }
}

static PyObject *
answer(const HostTable *table, const Entry *entry)
{
    if (entry->value == CARVED_OUT) {
        Py_RETURN_NONE;
    }
    PyObject *partner_id = PyUnicode_DecodeASCII(table->arena + entry->value,
                                                 (Py_ssize_t)entry->value_length, "strict");
    if (partner_id == NULL) {
        return NULL;
    }
    PyObject *domain = PyUnicode_DecodeASCII(table->arena + entry->offset,
                                             (Py_ssize_t)entry->length, "strict");
    if (domain == NULL) {
        Py_DECREF(partner_id);
        return NULL;
    }
    PyObject *found = PyTuple_Pack(2, partner_id, domain);
    Py_DECREF(partner_id);
    Py_DECREF(domain);
    return found;
}

/* The first '.' in text[from:to], or -1. */
static Py_ssize_t
next_dot(int kind, const void *data, Py_ssize_t from, Py_ssize_t to)
{
    for (Py_ssize_t i = from; i < to; i++) {
        if (PyUnicode_READ(kind, data, i) == '.') {
            return i;
        }
    }
    return -1;
}

/*
 * PyHostTable.locate_host over text[start:end]: the host, then each parent on label boundaries,
 * never a single label; the first host of the table found decides. A new reference: a
 * (partner id, domain) tuple or None.
 */
static PyObject *
walk(const HostTable *table, PyObject *text, Py_ssize_t start, Py_ssize_t end)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);

    /* No host of the table is longer than `longest`: begin with the longest parent that is not
     * (a label's start at or after end - longest), which also bounds the work a long host
     * makes by the table's longest host, not by the host's length. */
    Py_ssize_t from = start;
    if (end - start > table->longest) {
        Py_ssize_t dot = next_dot(kind, data, end - table->longest - 1, end);
        if (dot < 0) {
            Py_RETURN_NONE;
        }
        from = dot + 1;
    }
    unsigned char host[MAX_HOST];
    for (Py_ssize_t dot = next_dot(kind, data, from, end); dot >= 0;
         from = dot + 1, dot = next_dot(kind, data, from, end)) {
        /* text[from:end] as bytes: at most `longest` of them (the guard keeps the buffer safe
         * whatever the cut above does). A parent holding a character beyond ASCII is in no
         * table, every host of one being ASCII; its bytes cut to 8 bits could be. */
        size_t length = (size_t)(end - from);
        if (length > MAX_HOST) {
            continue;
        }
        Py_UCS4 all = 0;
        for (size_t i = 0; i < length; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, from + (Py_ssize_t)i);
            all |= c;
            host[i] = (unsigned char)c;
        }
        if (all >= 128) {
            continue;
        }
        const Entry *entry = find(table, host, length);
        if (entry != NULL) {
            return answer(table, entry);
        }
    }
    Py_RETURN_NONE;
}

static int
is_host_char(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Whether text starts with the ASCII string prefix. */
static int
starts_with(int kind, const void *data, Py_ssize_t length, const char *prefix)
{
    for (Py_ssize_t i = 0; prefix[i] != '\0'; i++) {
        if (i >= length || PyUnicode_READ(kind, data, i) != (Py_UCS4)prefix[i]) {
            return 0;
        }
    }
    return 1;
}

static PyObject *
HostTable_locate_host(HostTable *self, PyObject *host)
{
    if (!PyUnicode_Check(host)) {
        PyErr_Format(PyExc_TypeError, "locate_host(): a host must be a str, not %.100s",
                     Py_TYPE(host)->tp_name);
        return NULL;
    }
    return walk(self, host, 0, PyUnicode_GET_LENGTH(host));
}

static PyObject *
HostTable_locate_url(HostTable *self, PyObject *url)
{
    if (!PyUnicode_Check(url)) {
        PyErr_Format(PyExc_TypeError, "locate_url(): a URL must be a str, not %.100s",
                     Py_TYPE(url)->tp_name);
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(url);
    int kind = PyUnicode_KIND(url);
    const void *data = PyUnicode_DATA(url);

    /* The everyday shape, as hostwalk.py's _EVERYDAY_URL: http(s)://, then a host of lower-case
     * ASCII letters, digits, dots and hyphens, then the end, "/", "?" or "#". */
    Py_ssize_t start;
    if (starts_with(kind, data, length, "https://")) {
        start = 8;
    } else if (starts_with(kind, data, length, "http://")) {
        start = 7;
    } else {
        Py_RETURN_FALSE;
    }
    Py_ssize_t end = start;
    Py_UCS4 previous = 0;
    while (end < length) {
        Py_UCS4 c = PyUnicode_READ(kind, data, end);
        if (!is_host_char(c)) {
            break;
        }
        if (c == '.' && previous == '.') {
            Py_RETURN_FALSE; /* an empty label is the full parser's to judge */
        }
        previous = c;
        end++;
    }
    if (end == start) {
        Py_RETURN_FALSE;
    }
    if (end < length) {
        Py_UCS4 after = PyUnicode_READ(kind, data, end);
        if (after != '/' && after != '?' && after != '#') {
            Py_RETURN_FALSE; /* a port, userinfo, upper case, a backslash, Unicode */
        }
    }
    if (PyUnicode_READ(kind, data, start) == '.' || PyUnicode_READ(kind, data, end - 1) == '.') {
        Py_RETURN_FALSE;
    }
    return walk(self, url, start, end);
}

static PyObject *
HostTable_items(HostTable *self, PyObject *unused)
{
    PyObject *items = PyList_New(0);
    if (items == NULL) {
        return NULL;
    }
    for (size_t at = 0; at <= self->mask; at++) {
        if (self->slots[at].entry == 0) {
            continue;
        }
        const Entry *entry = &self->entries[self->slots[at].entry - 1];
        PyObject *host = PyUnicode_DecodeASCII(self->arena + entry->offset,
                                               (Py_ssize_t)entry->length, "strict");
        PyObject *partner_id =
            entry->value == CARVED_OUT
                ? Py_NewRef(Py_None)
                : PyUnicode_DecodeASCII(self->arena + entry->value,
                                        (Py_ssize_t)entry->value_length, "strict");
        PyObject *pair = host && partner_id ? PyTuple_Pack(2, host, partner_id) : NULL;
        Py_XDECREF(host);
        Py_XDECREF(partner_id);
        if (pair == NULL || PyList_Append(items, pair)) {
            Py_XDECREF(pair);
            Py_DECREF(items);
            return NULL;
        }
        Py_DECREF(pair);
    }
    return items;
}

static Py_ssize_t
HostTable_length(HostTable *self)
{
    return self->hosts;
}

PyDoc_STRVAR(locate_host_doc,
             "locate_host(host, /)\n--\n\n"
             "hostwalk.HostTable.locate_host: (partner id, domain) for a parsed host, or None.");

PyDoc_STRVAR(locate_url_doc,
             "locate_url(url, /)\n--\n\n"
             "hostwalk.HostTable.locate_url: (partner id, domain) or None for a URL of the\n"
             "everyday shape; False for any other, which the full parser must read.");

PyDoc_STRVAR(items_doc,
             "items()\n--\n\n"
             "Every (host, partner id or None) pair of the table, in no promised order.");

static PyMethodDef HostTable_methods[] = {
    {"items", (PyCFunction)HostTable_items, METH_NOARGS, items_doc},
    {"locate_host", (PyCFunction)HostTable_locate_host, METH_O, locate_host_doc},
    {"locate_url", (PyCFunction)HostTable_locate_url, METH_O, locate_url_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(HostTable_doc,
             "HostTable(items, /)\n--\n\n"
             "The compiled twin of hostwalk.HostTable: hosts to partner ids (None for a\n"
             "carved-out host), from (host, partner id) pairs.");

static PyType_Slot HostTable_slots[] = {
    {Py_tp_doc, (void *)HostTable_doc},
    {Py_tp_new, HostTable_new},
    {Py_tp_dealloc, HostTable_dealloc},
    {Py_tp_methods, HostTable_methods},
    {Py_mp_length, HostTable_length},
    {0, NULL},
};

static PyType_Spec HostTable_spec = {
    .name = "companion.tracking._hostwalk.HostTable",
    .basicsize = sizeof(HostTable),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = HostTable_slots,
};

/* ---- the module -------------------------------------------------------------------------- */

static int
hostwalk_exec(PyObject *module)
{
    PyObject *type = PyType_FromModuleAndSpec(module, &HostTable_spec, NULL);
    if (type == NULL) {
        return -1;
    }
    int failed = PyModule_AddObjectRef(module, "HostTable", type);
    Py_DECREF(type);
    return failed;
}

static PyModuleDef_Slot hostwalk_slots[] = {
    {Py_mod_exec, hostwalk_exec},
    {0, NULL},
};

static struct PyModuleDef hostwalk_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "companion.tracking._hostwalk",
    .m_doc = "The compiled twin of companion.tracking.hostwalk (see that module).",
    .m_size = 0,
    .m_slots = hostwalk_slots,
};

PyMODINIT_FUNC
PyInit__hostwalk(void)
{
    return PyModuleDef_Init(&hostwalk_module);
}
