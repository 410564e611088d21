/*
 * companion.tracking._hostwalk: the compiled twin of companion/tracking/hostwalk.py.
 *
 * Matching a URL against the host table is the companion's hottest loop: every page the
 * shopper opens, and a whole browsing history at once from `cashback-companion match`. In
 * CPython the regular expression that cuts the host out of a URL, and a probe of a dict of
 * 50,000 domains, each cost about as much as tldextract's whole budget allows for
 * (docs/reliability.md, "Matching"). So HostTable is written here once more:
 *
 * - the host is read out of the URL in one pass, without a regular expression;
 * - the hashes of the host and of each of its parents come out of one pass from the right;
 * - the table is open addressing over 8-byte slots (a tag of the hash and an entry's number),
 *   the keys' bytes packed in one buffer: about 3 MB for 50,000 domains where the dict of
 *   str took 9, and a probe that misses touches one slot instead of the dict's three objects.
 *
 * hostwalk.py stays the reference: it is what runs where no compiler was at hand when the
 * companion was installed, and tests/unit/test_hostwalk.py holds the two to the same answers.
 *
 * The table keeps no Python objects: a lookup makes the str of the domain and of the partner id
 * it answers with. Every index into a string is checked against the string's length first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* An entry's value when its host is carved out of a partner (the dict's None). */
#define CARVED_OUT UINT32_MAX
/* Hosts with more labels than this walk with a buffer from the heap, not the stack. */
#define LABELS_ON_STACK 64

/* Seeded from os.urandom when the module loads: a catalog cannot be made to collide. */
static uint64_t hash_seed;

typedef struct {
    uint32_t offset; /* the host's bytes in the arena */
    uint32_t length;
    uint32_t value; /* the partner id's entry in the arena (offset), or CARVED_OUT */
    uint32_t value_length;
} Entry;

typedef struct {
    uint32_t tag;   /* the hash's upper half, so most misses never read an entry */
    uint32_t entry; /* 1 + the entry's number; 0 for an empty slot */
} Slot;

typedef struct {
    PyObject_HEAD
    char *arena; /* every host's bytes, then every partner id's UTF-8, back to back */
    size_t arena_used, arena_size;
    Entry *entries;
    size_t count, entries_size;
    Slot *slots;
    size_t mask; /* slots - 1; slots a power of two at least twice the entries */
    Py_ssize_t hosts; /* distinct hosts, for len() */
} HostTable;

/* FNV-1a over the key read from its last character to its first, from the seed: hashing a host
 * from the right gives each parent's hash on the way. */
static inline uint64_t
hash_step(uint64_t hash, Py_UCS4 c)
{
    return (hash ^ c) * 0x100000001b3ULL;
}

static inline size_t
slot_of(uint64_t hash, size_t mask)
{
    /* Fibonacci hashing: the multiply spreads FNV's weak low bits over the index. */
    return (size_t)((hash * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
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
    if (length > UINT32_MAX - table->arena_used) {
        PyErr_SetString(PyExc_OverflowError, "HostTable: over 4 GiB of hosts");
        return -1;
    }
    if (table->arena_used + length > table->arena_size) {
        size_t size = table->arena_size ? table->arena_size : 4096;
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

/* One (host, partner id or None) pair into the arena and the entries. */
static int
add_pair(HostTable *table, PyObject *pair)
{
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_TypeError, "HostTable: each item must be a (host, partner id) pair,"
                     " not %.100s", Py_TYPE(pair)->tp_name);
        return -1;
    }
    PyObject *host = PyTuple_GET_ITEM(pair, 0), *partner_id = PyTuple_GET_ITEM(pair, 1);
    if (!PyUnicode_Check(host) || !PyUnicode_IS_ASCII(host)) {
        PyErr_Format(PyExc_ValueError, "HostTable: a host must be an ASCII str, not %R", host);
        return -1;
    }
    if (partner_id != Py_None && !PyUnicode_Check(partner_id)) {
        PyErr_Format(PyExc_TypeError, "HostTable: the partner id of %R must be a str or None",
                     host);
        return -1;
    }
    Entry entry = {0, 0, CARVED_OUT, 0};
    Py_ssize_t length = PyUnicode_GET_LENGTH(host);
    if (arena_append(table, (const char *)PyUnicode_DATA(host), (size_t)length, &entry.offset)) {
        return -1;
    }
    entry.length = (uint32_t)length;
    if (partner_id != Py_None) {
        Py_ssize_t id_length;
        const char *id = PyUnicode_AsUTF8AndSize(partner_id, &id_length);
        if (id == NULL || arena_append(table, id, (size_t)id_length, &entry.value)) {
            return -1;
        }
        entry.value_length = (uint32_t)id_length;
    }
    return entries_append(table, entry);
}

static uint64_t
hash_bytes(const char *bytes, size_t length)
{
    uint64_t hash = hash_seed;
    for (size_t i = length; i > 0; i--) {
        hash = hash_step(hash, (unsigned char)bytes[i - 1]);
    }
    return hash;
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
        uint64_t hash = hash_bytes(key, entry->length);
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
    static char *keywords[] = {"items", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:HostTable", keywords, &items)) {
        return NULL;
    }
    HostTable *table = (HostTable *)type->tp_alloc(type, 0);
    if (table == NULL) {
        return NULL;
    }
    PyObject *iterator = PyObject_GetIter(items);
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
    char *arena = PyMem_Realloc(table->arena, table->arena_used ? table->arena_used : 1);
    if (arena != NULL) {
        table->arena = arena;
        table->arena_size = table->arena_used;
    }
    Entry *entries =
        PyMem_Realloc(table->entries, (table->count ? table->count : 1) * sizeof(Entry));
    if (entries != NULL) {
        table->entries = entries;
        table->entries_size = table->count;
    }
    return (PyObject *)table;
}

/* ---- looking up -------------------------------------------------------------------------- */

/* The entry whose host is text[start:end], whose hash is given, or NULL. */
static const Entry *
find(const HostTable *table, uint64_t hash, int kind, const void *data, Py_ssize_t start,
     Py_ssize_t end)
{
    size_t length = (size_t)(end - start);
    for (size_t at = slot_of(hash, table->mask);; at = (at + 1) & table->mask) {
        const Slot *slot = &table->slots[at];
        if (slot->entry == 0) {
            return NULL;
        }
        if (slot->tag != tag_of(hash)) {
            continue;
        }
        const Entry *entry = &table->entries[slot->entry - 1];
        if (entry->length != length) {
            continue;
        }
        const char *key = table->arena + entry->offset;
        if (kind == PyUnicode_1BYTE_KIND) {
            if (memcmp(key, (const char *)data + start, length) == 0) {
                return entry;
            }
            continue;
        }
        size_t i = 0;
        while (i < length &&
               PyUnicode_READ(kind, data, start + (Py_ssize_t)i) == (unsigned char)key[i]) {
            i++;
        }
        if (i == length) {
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
    PyObject *partner_id = PyUnicode_DecodeUTF8(table->arena + entry->value,
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

/*
 * hostwalk.walk over text[start:end]: the host, then each parent on label boundaries, never a
 * single label; the first host of the table found decides. A new reference: a (partner id,
 * domain) tuple or None.
 */
static PyObject *
walk(const HostTable *table, PyObject *text, Py_ssize_t start, Py_ssize_t end)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);

    /* Each label's first character, and the hash of the host from it to the end. */
    Py_ssize_t labels = 1;
    for (Py_ssize_t i = start; i < end; i++) {
        labels += PyUnicode_READ(kind, data, i) == '.';
    }
    if (labels == 1) {
        Py_RETURN_NONE; /* a single label is never tried */
    }
    Py_ssize_t starts_on_stack[LABELS_ON_STACK];
    uint64_t hashes_on_stack[LABELS_ON_STACK];
    Py_ssize_t *starts = starts_on_stack;
    uint64_t *hashes = hashes_on_stack;
    if (labels > LABELS_ON_STACK) {
        starts = PyMem_Malloc((size_t)labels * sizeof(Py_ssize_t));
        hashes = PyMem_Malloc((size_t)labels * sizeof(uint64_t));
        if (starts == NULL || hashes == NULL) {
            PyMem_Free(starts);
            PyMem_Free(hashes);
            return PyErr_NoMemory();
        }
    }
    /* From the right: label k (0 the leftmost) starts at starts[k]. A parent holding a
     * character beyond ASCII is probed like any other and found in no slot: its hash and its
     * characters differ from every host of the table, all of which are ASCII. */
    uint64_t hash = hash_seed;
    Py_ssize_t label = labels - 1;
    for (Py_ssize_t i = end; i > start; i--) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i - 1);
        if (c == '.') {
            starts[label] = i;
            hashes[label] = hash;
            label--;
        }
        hash = hash_step(hash, c);
    }
    starts[0] = start;
    hashes[0] = hash;

    PyObject *found = NULL;
    for (label = 0; label < labels - 1; label++) {
        const Entry *entry = find(table, hashes[label], kind, data, starts[label], end);
        if (entry != NULL) {
            found = answer(table, entry);
            break;
        }
    }
    if (starts != starts_on_stack) {
        PyMem_Free(starts);
        PyMem_Free(hashes);
    }
    if (found == NULL && !PyErr_Occurred()) {
        Py_RETURN_NONE;
    }
    return found;
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
                : PyUnicode_DecodeUTF8(self->arena + entry->value,
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
    PyObject *os = PyImport_ImportModule("os");
    if (os == NULL) {
        return -1;
    }
    PyObject *urandom = PyObject_GetAttrString(os, "urandom");
    Py_DECREF(os);
    if (urandom == NULL) {
        return -1;
    }
    PyObject *seed = PyObject_CallFunction(urandom, "i", (int)sizeof(hash_seed));
    Py_DECREF(urandom);
    if (seed == NULL) {
        return -1;
    }
    if (!PyBytes_Check(seed) || PyBytes_GET_SIZE(seed) != sizeof(hash_seed)) {
        Py_DECREF(seed);
        PyErr_SetString(PyExc_RuntimeError, "os.urandom gave no seed");
        return -1;
    }
    memcpy(&hash_seed, PyBytes_AS_STRING(seed), sizeof(hash_seed));
    Py_DECREF(seed);

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
