/*
 * A fake libamd_smi.so for Telegen's tests: the AMD SMI entry points of amdsmi_abi.h, answering
 * from a scenario file (format: gpu/src/test/resources/amdsmi/README.md) the way the real library
 * answers a machine's GPUs, so the Java binding runs through the same JNA path as on a real node.
 *
 *   FAKE_AMDSMI_SCENARIO  read by the first amdsmi_init (reference-counted, as the real one)
 *   FAKE_AMDSMI_CONTROL   tokens "N:ERROR": every call on GPU N answers ERROR (a GPU that fails);
 *                         re-read when the file changes, so a test can fail and recover a GPU
 *
 * Build variants (build-fake-amdsmi.sh): the default is AMD SMI 26.x; FAKE_AMDSMI_ABI_24 gives the
 * older struct layouts (ROCm 6.x); FAKE_AMDSMI_NO_ENERGY_AND_MEMORY leaves out
 * amdsmi_get_energy_count, amdsmi_get_gpu_memory_total and amdsmi_get_gpu_memory_usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "amdsmi_abi.h"

#define FAKE_MAX_GPUS 128 /* 16 boards x 8 CPX partitions */
#define FAKE_MAX_PROCS 256
#define FAKE_STR 128
#define FAKE_GPU_MAGIC 0x414d4447u /* "AMDG" */

#if defined(FAKE_AMDSMI_ABI_24)
#define FAKE_VERSION_PARTS 4 /* year.major.minor.release */
#else
#define FAKE_VERSION_PARTS 3 /* major.minor.release */
#endif

typedef struct {
    unsigned char set;
    amdsmi_status_t err;
    unsigned long long u;
    double d;
} fval_t;

typedef struct {
    unsigned char set;
    amdsmi_status_t err;
    char s[FAKE_STR];
} fstr_t;

typedef struct fake_gpu {
    unsigned int magic;
    int present;
    unsigned int index;
    int line;
    fstr_t name, uuid, bdf, compute_partition, memory_partition, sclk_mhz, mclk_mhz;
    fval_t socket, partition_id, compute_units;
    fval_t gfx_activity, umc_activity, mm_activity;
    fval_t vram_total, vram_used, memory_calls;
    fval_t temp_edge, temp_hotspot, temp_vram;
    fval_t socket_power, current_socket_power, average_socket_power, power_info, power_cap;
    fval_t energy, energy_step, energy_resolution;
    fval_t fan_speed, fan_max;
    fval_t sclk_current, mclk_current;
    fval_t pcie_sent, pcie_received, pcie_max_packet, pcie_delay_ms;
    fval_t xgmi_links, xgmi_read_kb, xgmi_write_kb, xgmi_step_kb, link_metrics;
    fval_t process_list, fail;
    /* derived */
    uint64_t bdf_value;
    unsigned long long energy_reads, xgmi_reads;
} fake_gpu_t;

typedef struct {
    unsigned int pid;
    int line;
    fstr_t name, container;
    fval_t gpu, vram, gtt, cpu, gfx_ns, enc_ns, cu_occupancy;
} fake_proc_t;

typedef struct {
    fstr_t lib_version, driver_version;
    unsigned int ngpus;
    fake_gpu_t gpus[FAKE_MAX_GPUS];
    unsigned int nprocs;
    fake_proc_t procs[FAKE_MAX_PROCS];
    unsigned int version_parts[4];
    unsigned int nsockets;
    unsigned long long socket_ids[FAKE_MAX_GPUS]; /* the socket handles: pointers into this array */
} fake_state_t;

static fake_state_t g;
static int g_refs;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_build[64];

/* Copies src into the fixed-size field dst, cut to fit (the library's strings are bounded). */
static void put(char *dst, size_t n, const char *src) {
    size_t l = strlen(src);
    if (l >= n) {
        l = n - 1;
    }
    memcpy(dst, src, l);
    dst[l] = '\0';
}

/* ---- control file: GPUs that fail now ---- */
static amdsmi_status_t g_fail_now[FAKE_MAX_GPUS];
static struct timespec g_control_mtime;
static off_t g_control_size = -1;
static char g_control_path[4096];

static const struct {
    const char *name;
    amdsmi_status_t code;
} STATUS_NAMES[] = {
    {"INVAL", AMDSMI_STATUS_INVAL},
    {"NOT_SUPPORTED", AMDSMI_STATUS_NOT_SUPPORTED},
    {"NOT_YET_IMPLEMENTED", AMDSMI_STATUS_NOT_YET_IMPLEMENTED},
    {"FAIL_LOAD_MODULE", AMDSMI_STATUS_FAIL_LOAD_MODULE},
    {"FAIL_LOAD_SYMBOL", AMDSMI_STATUS_FAIL_LOAD_SYMBOL},
    {"DRM_ERROR", AMDSMI_STATUS_DRM_ERROR},
    {"API_FAILED", AMDSMI_STATUS_API_FAILED},
    {"TIMEOUT", AMDSMI_STATUS_TIMEOUT},
    {"RETRY", AMDSMI_STATUS_RETRY},
    {"NO_PERM", AMDSMI_STATUS_NO_PERM},
    {"INTERRUPT", AMDSMI_STATUS_INTERRUPT},
    {"IO", AMDSMI_STATUS_IO},
    {"FILE_ERROR", AMDSMI_STATUS_FILE_ERROR},
    {"OUT_OF_RESOURCES", AMDSMI_STATUS_OUT_OF_RESOURCES},
    {"INTERNAL_EXCEPTION", AMDSMI_STATUS_INTERNAL_EXCEPTION},
    {"INIT_ERROR", AMDSMI_STATUS_INIT_ERROR},
    {"BUSY", AMDSMI_STATUS_BUSY},
    {"NOT_FOUND", AMDSMI_STATUS_NOT_FOUND},
    {"NOT_INIT", AMDSMI_STATUS_NOT_INIT},
    {"DRIVER_NOT_LOADED", AMDSMI_STATUS_DRIVER_NOT_LOADED},
    {"NO_DATA", AMDSMI_STATUS_NO_DATA},
    {"INSUFFICIENT_SIZE", AMDSMI_STATUS_INSUFFICIENT_SIZE},
    {"UNEXPECTED_DATA", AMDSMI_STATUS_UNEXPECTED_DATA},
    {"UNKNOWN_ERROR", AMDSMI_STATUS_UNKNOWN_ERROR},
};

static amdsmi_status_t status_by_name(const char *s) {
    if (strncmp(s, "AMDSMI_STATUS_", 14) == 0) {
        s += 14;
    }
    for (size_t i = 0; i < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0]; i++) {
        if (strcmp(s, STATUS_NAMES[i].name) == 0) {
            return STATUS_NAMES[i].code;
        }
    }
    return AMDSMI_STATUS_SUCCESS;
}

static void read_control(void) {
    const char *path = getenv("FAKE_AMDSMI_CONTROL");
    if (!path || !*path) {
        memset(g_fail_now, 0, sizeof g_fail_now);
        g_control_size = -1;
        g_control_path[0] = '\0';
        return;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        memset(g_fail_now, 0, sizeof g_fail_now);
        g_control_size = -1;
        return;
    }
    if (strcmp(path, g_control_path) == 0 && st.st_size == g_control_size &&
        st.st_mtim.tv_sec == g_control_mtime.tv_sec && st.st_mtim.tv_nsec == g_control_mtime.tv_nsec &&
        time(NULL) - st.st_mtim.tv_sec > 1) {
        return;
    }
    put(g_control_path, sizeof g_control_path, path);
    g_control_size = st.st_size;
    g_control_mtime = st.st_mtim;
    memset(g_fail_now, 0, sizeof g_fail_now);
    FILE *f = fopen(path, "r");
    if (!f) {
        return;
    }
    char token[64];
    while (fscanf(f, "%63s", token) == 1) {
        char *colon = strchr(token, ':');
        if (!colon) {
            continue;
        }
        *colon = '\0';
        char *end;
        unsigned long n = strtoul(token, &end, 10);
        amdsmi_status_t err = status_by_name(colon + 1);
        if (*end == '\0' && n < FAKE_MAX_GPUS && err != AMDSMI_STATUS_SUCCESS) {
            g_fail_now[n] = err;
        }
    }
    fclose(f);
}

/* ---- scenario reader ---- */
enum { SEC_NONE, SEC_SYSTEM, SEC_GPU, SEC_PROC };
enum { K_VAL, K_STR };
typedef struct {
    const char *key;
    int kind;
    size_t off;
} keydef_t;

#define GV(k, f) {k, K_VAL, offsetof(fake_gpu_t, f)}
#define GS(k, f) {k, K_STR, offsetof(fake_gpu_t, f)}
static const keydef_t GPU_KEYS[] = {
    GS("name", name), GS("uuid", uuid), GS("bdf", bdf),
    GS("compute_partition", compute_partition), GS("memory_partition", memory_partition),
    GV("socket", socket), GV("partition_id", partition_id), GV("compute_units", compute_units),
    GV("gfx_activity", gfx_activity), GV("umc_activity", umc_activity), GV("mm_activity", mm_activity),
    GV("vram_total", vram_total), GV("vram_used", vram_used), GV("memory_calls", memory_calls),
    GV("temp_edge", temp_edge), GV("temp_hotspot", temp_hotspot), GV("temp_vram", temp_vram),
    GV("socket_power", socket_power), GV("current_socket_power", current_socket_power),
    GV("average_socket_power", average_socket_power), GV("power_info", power_info), GV("power_cap", power_cap),
    GV("energy", energy), GV("energy_step", energy_step), GV("energy_resolution", energy_resolution),
    GV("fan_speed", fan_speed), GV("fan_max", fan_max),
    GS("sclk_mhz", sclk_mhz), GV("sclk_current", sclk_current),
    GS("mclk_mhz", mclk_mhz), GV("mclk_current", mclk_current),
    GV("pcie_sent", pcie_sent), GV("pcie_received", pcie_received), GV("pcie_max_packet", pcie_max_packet),
    GV("pcie_delay_ms", pcie_delay_ms),
    GV("xgmi_links", xgmi_links), GV("xgmi_read_kb", xgmi_read_kb), GV("xgmi_write_kb", xgmi_write_kb),
    GV("xgmi_step_kb", xgmi_step_kb), GV("link_metrics", link_metrics),
    GV("process_list", process_list), GV("fail", fail),
};
#define PV(k, f) {k, K_VAL, offsetof(fake_proc_t, f)}
#define PS(k, f) {k, K_STR, offsetof(fake_proc_t, f)}
static const keydef_t PROC_KEYS[] = {
    PV("gpu", gpu), PS("name", name), PS("container", container), PV("vram", vram), PV("gtt", gtt),
    PV("cpu", cpu), PV("gfx_ns", gfx_ns), PV("enc_ns", enc_ns), PV("cu_occupancy", cu_occupancy),
};
static const keydef_t SYSTEM_KEYS[] = {
    {"lib_version", K_STR, offsetof(fake_state_t, lib_version)},
    {"driver_version", K_STR, offsetof(fake_state_t, driver_version)},
};

static const char *g_path;
static int g_line;

__attribute__((format(printf, 1, 2))) static amdsmi_status_t fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fake-amdsmi: %s:%d: ", g_path, g_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return AMDSMI_STATUS_INIT_ERROR;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        s[--n] = '\0';
    }
    return s;
}

static int parse_number(const char *s, fval_t *v) {
    char *end;
    if (*s == '\0') {
        return 0;
    }
    errno = 0;
    unsigned long long u = strtoull(s, &end, 0);
    if (*end == '\0' && errno == 0) {
        v->u = u;
        v->d = s[0] == '-' ? (double)(long long)u : (double)u;
        return 1;
    }
    errno = 0;
    double d = strtod(s, &end);
    if (*end == '\0' && errno == 0) {
        v->d = d;
        v->u = d < 0 ? (unsigned long long)(long long)d : (unsigned long long)d;
        return 1;
    }
    return 0;
}

static amdsmi_status_t set_key(const keydef_t *table, size_t n, void *base, const char *key, const char *value) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].key, key) != 0) {
            continue;
        }
        amdsmi_status_t err = status_by_name(value);
        if (table[i].kind == K_STR) {
            fstr_t *s = (fstr_t *)((char *)base + table[i].off);
            memset(s, 0, sizeof *s);
            s->set = 1;
            s->err = err;
            if (!err) {
                if (strlen(value) >= sizeof s->s) {
                    return fail("value of '%s' is too long", key);
                }
                strcpy(s->s, value);
            }
        } else {
            fval_t *v = (fval_t *)((char *)base + table[i].off);
            memset(v, 0, sizeof *v);
            v->set = 1;
            v->err = err;
            if (!err && !parse_number(value, v)) {
                return fail("key '%s': '%s' is neither a number nor an AMD SMI status name", key, value);
            }
        }
        return AMDSMI_STATUS_SUCCESS;
    }
    return fail("unknown key '%s'", key);
}

static int parse_uint(const char *s, unsigned long *out) {
    char *end;
    if (*s < '0' || *s > '9') {
        return 0;
    }
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0';
}

static amdsmi_status_t validate(void) {
    for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) {
        fake_gpu_t *x = &g.gpus[i];
        if (!x->present) {
            for (unsigned j = i + 1; j < FAKE_MAX_GPUS; j++) {
                if (g.gpus[j].present) {
                    g_line = g.gpus[j].line;
                    return fail("GPU indices must be contiguous: [gpu %u] is missing", i);
                }
            }
            break;
        }
        g.ngpus = i + 1;
        g_line = x->line;
        if (!x->name.set || !x->uuid.set || !x->bdf.set || x->bdf.err) {
            return fail("[gpu] needs name, uuid and bdf");
        }
        unsigned int dom, bus, dev, fn;
        if (sscanf(x->bdf.s, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || dev > 31 || fn > 7 || bus > 255) {
            return fail("bdf '%s' is not DDDD:BB:DD.F", x->bdf.s);
        }
        x->bdf_value = ((uint64_t)dom << 16) | ((uint64_t)bus << 8) | ((uint64_t)dev << 3) | fn;
        unsigned long long sock = x->socket.set ? x->socket.u : i;
        unsigned s = 0;
        for (; s < g.nsockets && g.socket_ids[s] != sock; s++) {
        }
        if (s == g.nsockets) {
            g.socket_ids[g.nsockets++] = sock;
        }
        x->magic = FAKE_GPU_MAGIC;
    }
    for (unsigned i = 0; i < g.nprocs; i++) {
        g_line = g.procs[i].line;
        if (!g.procs[i].gpu.set || g.procs[i].gpu.err || g.procs[i].gpu.u >= g.ngpus) {
            return fail("[process] needs 'gpu' naming a defined GPU");
        }
    }
    g_line = 0;
    const char *v = g.lib_version.set ? g.lib_version.s : (FAKE_VERSION_PARTS == 4 ? "24.7.1.0" : "26.5.0");
    unsigned int p[4] = {0, 0, 0, 0};
    int n = sscanf(v, "%u.%u.%u.%u", &p[0], &p[1], &p[2], &p[3]);
    if (n != FAKE_VERSION_PARTS) {
        return fail("lib_version '%s' must have %d parts for this build of the fake", v, FAKE_VERSION_PARTS);
    }
    memcpy(g.version_parts, p, sizeof p);
    put(g_build, sizeof g_build, v);
    return AMDSMI_STATUS_SUCCESS;
}

static amdsmi_status_t load_scenario(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        return AMDSMI_STATUS_DRIVER_NOT_LOADED;
    }
    memset(&g, 0, sizeof g);
    g_path = path;
    g_line = 0;
    int section = SEC_NONE;
    void *base = NULL;
    char *line = NULL;
    size_t cap = 0;
    amdsmi_status_t r = AMDSMI_STATUS_SUCCESS;
    while (r == AMDSMI_STATUS_SUCCESS && getline(&line, &cap, f) >= 0) {
        g_line++;
        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *s = trim(line);
        if (*s == '\0') {
            continue;
        }
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || *trim(close + 1) != '\0') {
                r = fail("bad section header '%s'", s);
                break;
            }
            *close = '\0';
            char *hdr = trim(s + 1);
            char *arg = hdr + strcspn(hdr, " \t");
            if (*arg) {
                *arg++ = '\0';
                arg = trim(arg);
            }
            unsigned long a = 0;
            if (strcmp(hdr, "system") == 0 && *arg == '\0') {
                section = SEC_SYSTEM;
                base = &g;
            } else if (strcmp(hdr, "gpu") == 0 && parse_uint(arg, &a) && a < FAKE_MAX_GPUS) {
                if (g.gpus[a].present) {
                    r = fail("duplicate section [gpu %s]", arg);
                    break;
                }
                g.gpus[a].present = 1;
                g.gpus[a].index = (unsigned)a;
                g.gpus[a].line = g_line;
                section = SEC_GPU;
                base = &g.gpus[a];
            } else if (strcmp(hdr, "process") == 0 && parse_uint(arg, &a) && a <= 0xFFFFFFFFul) {
                if (g.nprocs >= FAKE_MAX_PROCS) {
                    r = fail("too many [process] sections");
                    break;
                }
                fake_proc_t *p = &g.procs[g.nprocs++];
                p->pid = (unsigned)a;
                p->line = g_line;
                section = SEC_PROC;
                base = p;
            } else {
                r = fail("unknown section [%s %s]", hdr, arg);
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            r = fail("expected 'key = value', got '%s'", s);
            break;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        switch (section) {
        case SEC_SYSTEM:
            r = set_key(SYSTEM_KEYS, sizeof SYSTEM_KEYS / sizeof SYSTEM_KEYS[0], base, key, value);
            break;
        case SEC_GPU:
            r = set_key(GPU_KEYS, sizeof GPU_KEYS / sizeof GPU_KEYS[0], base, key, value);
            break;
        case SEC_PROC:
            r = set_key(PROC_KEYS, sizeof PROC_KEYS / sizeof PROC_KEYS[0], base, key, value);
            break;
        default:
            r = fail("key '%s' outside of any section", key);
            break;
        }
    }
    free(line);
    fclose(f);
    if (r == AMDSMI_STATUS_SUCCESS) {
        r = validate();
    }
    if (r != AMDSMI_STATUS_SUCCESS) {
        memset(&g, 0, sizeof g);
    }
    return r;
}

/* ---- helpers for the entry points ---- */

/* The GPU behind a handle, or the status the call answers instead (not initialised, a stale or
 * foreign handle, a GPU the scenario or the control file makes fail). */
static amdsmi_status_t gpu_of(amdsmi_processor_handle h, fake_gpu_t **out) {
    if (g_refs == 0) {
        return AMDSMI_STATUS_NOT_INIT;
    }
    fake_gpu_t *x = (fake_gpu_t *)h;
    if (x < &g.gpus[0] || x >= &g.gpus[g.ngpus] || x->magic != FAKE_GPU_MAGIC) {
        return AMDSMI_STATUS_INVAL;
    }
    read_control();
    if (g_fail_now[x->index]) {
        return g_fail_now[x->index];
    }
    if (x->fail.set) {
        return x->fail.err ? x->fail.err : (amdsmi_status_t)x->fail.u;
    }
    *out = x;
    return AMDSMI_STATUS_SUCCESS;
}

#define GPU_OR_RETURN(h, x)                 \
    fake_gpu_t *x = NULL;                   \
    do {                                    \
        amdsmi_status_t _st = gpu_of(h, &x); \
        if (_st != AMDSMI_STATUS_SUCCESS) {  \
            return _st;                      \
        }                                    \
    } while (0)

/* A scenario value: its error, NOT_SUPPORTED when absent, else SUCCESS with *out. */
static amdsmi_status_t val(const fval_t *v, unsigned long long *out) {
    if (!v->set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    if (v->err) {
        return v->err;
    }
    *out = v->u;
    return AMDSMI_STATUS_SUCCESS;
}

static unsigned long long val_or(const fval_t *v, unsigned long long dflt) {
    return v->set && !v->err ? v->u : dflt;
}

static amdsmi_status_t copy_string(const fstr_t *s, char *buf, uint32_t len) {
    if (!s->set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    if (s->err) {
        return s->err;
    }
    if (!buf || len == 0) {
        return AMDSMI_STATUS_INVAL;
    }
    if (strlen(s->s) + 1 > len) {
        return AMDSMI_STATUS_INSUFFICIENT_SIZE;
    }
    strcpy(buf, s->s);
    return AMDSMI_STATUS_SUCCESS;
}

/* ---- entry points ---- */

AMDSMI_API amdsmi_status_t amdsmi_init(uint64_t init_flags) {
    if (!(init_flags & AMDSMI_INIT_AMD_GPUS)) {
        return AMDSMI_STATUS_INVAL;
    }
    pthread_mutex_lock(&g_lock);
    amdsmi_status_t r = AMDSMI_STATUS_SUCCESS;
    if (g_refs == 0) {
        const char *path = getenv("FAKE_AMDSMI_SCENARIO");
        r = path ? load_scenario(path) : AMDSMI_STATUS_DRIVER_NOT_LOADED;
    }
    if (r == AMDSMI_STATUS_SUCCESS) {
        g_refs++;
    }
    pthread_mutex_unlock(&g_lock);
    return r;
}

AMDSMI_API amdsmi_status_t amdsmi_shut_down(void) {
    pthread_mutex_lock(&g_lock);
    amdsmi_status_t r = AMDSMI_STATUS_NOT_INIT;
    if (g_refs > 0) {
        if (--g_refs == 0) {
            memset(&g, 0, sizeof g);
        }
        r = AMDSMI_STATUS_SUCCESS;
    }
    pthread_mutex_unlock(&g_lock);
    return r;
}

AMDSMI_API amdsmi_status_t amdsmi_get_lib_version(amdsmi_version_t *version) {
    if (!version) {
        return AMDSMI_STATUS_INVAL;
    }
    /* Answers before init too, as the real one (it reports compile-time constants). */
    const char *v = g_refs > 0 ? g_build : (FAKE_VERSION_PARTS == 4 ? "24.7.1.0" : "26.5.0");
    unsigned int p[4] = {0, 0, 0, 0};
    if (sscanf(v, "%u.%u.%u.%u", &p[0], &p[1], &p[2], &p[3]) < 3) {
        return AMDSMI_STATUS_UNEXPECTED_DATA;
    }
    memset(version, 0, sizeof *version);
#if defined(FAKE_AMDSMI_ABI_24)
    version->year = p[0];
    version->major = p[1];
    version->minor = p[2];
    version->release = p[3];
#else
    version->major = p[0];
    version->minor = p[1];
    version->release = p[2];
#endif
    version->build = v;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_status_code_to_string(amdsmi_status_t status, const char **status_string) {
    if (!status_string) {
        return AMDSMI_STATUS_INVAL;
    }
    static const struct {
        amdsmi_status_t code;
        const char *text;
    } TEXTS[] = {
        {AMDSMI_STATUS_SUCCESS, "AMDSMI_STATUS_SUCCESS: Call succeeded"},
        {AMDSMI_STATUS_INVAL, "AMDSMI_STATUS_INVAL: Invalid parameters"},
        {AMDSMI_STATUS_NOT_SUPPORTED, "AMDSMI_STATUS_NOT_SUPPORTED: Command not supported"},
        {AMDSMI_STATUS_DRM_ERROR, "AMDSMI_STATUS_DRM_ERROR: Error when call libdrm"},
        {AMDSMI_STATUS_API_FAILED, "AMDSMI_STATUS_API_FAILED: API call failed"},
        {AMDSMI_STATUS_NO_PERM, "AMDSMI_STATUS_NO_PERM: Permission Denied"},
        {AMDSMI_STATUS_IO, "AMDSMI_STATUS_IO: I/O Error"},
        {AMDSMI_STATUS_FILE_ERROR, "AMDSMI_STATUS_FILE_ERROR: Problem accessing a file"},
        {AMDSMI_STATUS_OUT_OF_RESOURCES, "AMDSMI_STATUS_OUT_OF_RESOURCES: Not enough memory"},
        {AMDSMI_STATUS_INIT_ERROR, "AMDSMI_STATUS_INIT_ERROR: An error occurred when initializing internal data structures"},
        {AMDSMI_STATUS_BUSY, "AMDSMI_STATUS_BUSY: Device busy"},
        {AMDSMI_STATUS_NOT_FOUND, "AMDSMI_STATUS_NOT_FOUND: Device Not found"},
        {AMDSMI_STATUS_NOT_INIT, "AMDSMI_STATUS_NOT_INIT: Device not initialized"},
        {AMDSMI_STATUS_DRIVER_NOT_LOADED, "AMDSMI_STATUS_DRIVER_NOT_LOADED: Processor driver not loaded"},
        {AMDSMI_STATUS_NO_DATA, "AMDSMI_STATUS_NO_DATA: No data was found for a given input"},
        {AMDSMI_STATUS_INSUFFICIENT_SIZE, "AMDSMI_STATUS_INSUFFICIENT_SIZE: Not enough resources were available for the operation"},
    };
    for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++) {
        if (TEXTS[i].code == status) {
            *status_string = TEXTS[i].text;
            return AMDSMI_STATUS_SUCCESS;
        }
    }
    *status_string = "An unknown error occurred";
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_socket_handles(uint32_t *socket_count, amdsmi_socket_handle *socket_handles) {
    if (g_refs == 0) {
        return AMDSMI_STATUS_NOT_INIT;
    }
    if (!socket_count) {
        return AMDSMI_STATUS_INVAL;
    }
    if (!socket_handles) {
        *socket_count = g.nsockets;
        return AMDSMI_STATUS_SUCCESS;
    }
    uint32_t n = *socket_count < g.nsockets ? *socket_count : g.nsockets;
    for (uint32_t i = 0; i < n; i++) {
        socket_handles[i] = &g.socket_ids[i];
    }
    *socket_count = n;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_processor_handles(amdsmi_socket_handle socket_handle, uint32_t *processor_count,
                                                        amdsmi_processor_handle *processor_handles) {
    if (g_refs == 0) {
        return AMDSMI_STATUS_NOT_INIT;
    }
    unsigned long long *sock = socket_handle;
    if (!processor_count || sock < &g.socket_ids[0] || sock >= &g.socket_ids[g.nsockets]) {
        return AMDSMI_STATUS_INVAL;
    }
    uint32_t n = 0;
    for (unsigned i = 0; i < g.ngpus; i++) {
        unsigned long long s = g.gpus[i].socket.set ? g.gpus[i].socket.u : i;
        if (s != *sock) {
            continue;
        }
        if (processor_handles) {
            if (n >= *processor_count) {
                break;
            }
            processor_handles[n] = &g.gpus[i];
        }
        n++;
    }
    *processor_count = n;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_processor_type(amdsmi_processor_handle processor_handle,
                                                     processor_type_t *processor_type) {
    if (g_refs == 0) {
        return AMDSMI_STATUS_NOT_INIT;
    }
    fake_gpu_t *x = processor_handle;
    if (!processor_type || x < &g.gpus[0] || x >= &g.gpus[g.ngpus]) {
        return AMDSMI_STATUS_INVAL;
    }
    *processor_type = AMDSMI_PROCESSOR_TYPE_AMD_GPU;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_device_uuid(amdsmi_processor_handle processor_handle,
                                                      unsigned int *uuid_length, char *uuid) {
    GPU_OR_RETURN(processor_handle, x);
    if (!uuid_length || !uuid) {
        return AMDSMI_STATUS_INVAL;
    }
    if (x->uuid.err) {
        return x->uuid.err;
    }
    unsigned int need = (unsigned int)strlen(x->uuid.s) + 1;
    if (*uuid_length < need) {
        *uuid_length = need;
        return AMDSMI_STATUS_INSUFFICIENT_SIZE;
    }
    strcpy(uuid, x->uuid.s);
    *uuid_length = need;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_device_bdf(amdsmi_processor_handle processor_handle, amdsmi_bdf_t *bdf) {
    GPU_OR_RETURN(processor_handle, x);
    if (!bdf) {
        return AMDSMI_STATUS_INVAL;
    }
    bdf->as_uint = x->bdf_value;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_asic_info(amdsmi_processor_handle processor_handle, amdsmi_asic_info_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    if (x->name.err) {
        return x->name.err;
    }
    memset(info, 0, sizeof *info);
    put(info->market_name, sizeof info->market_name, x->name.s);
    info->vendor_id = 0x1002;
    snprintf(info->vendor_name, sizeof info->vendor_name, "Advanced Micro Devices Inc. [AMD/ATI]");
    info->subvendor_id = 0x1002;
    info->oam_id = 0xFFFFFFFFu;
    info->num_of_compute_units = (uint32_t)val_or(&x->compute_units, 0xFFFFFFFFull);
    info->target_graphics_version = 0xFFFFFFFFFFFFFFFFull;
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_kfd_info(amdsmi_processor_handle processor_handle, amdsmi_kfd_info_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    memset(info, 0, sizeof *info);
    info->kfd_id = 0x1000 + x->index;
    info->node_id = x->index + 1;
    info->current_partition_id = (uint32_t)val_or(&x->partition_id, 0xFFFFFFFFull);
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_driver_info(amdsmi_processor_handle processor_handle,
                                                      amdsmi_driver_info_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    (void)x;
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    if (!g.driver_version.set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    memset(info, 0, sizeof *info);
    put(info->driver_version, sizeof info->driver_version, g.driver_version.s);
    snprintf(info->driver_name, sizeof info->driver_name, "amdgpu");
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_compute_partition(amdsmi_processor_handle processor_handle,
                                                            char *compute_partition, uint32_t len) {
    GPU_OR_RETURN(processor_handle, x);
    return copy_string(&x->compute_partition, compute_partition, len);
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_memory_partition(amdsmi_processor_handle processor_handle,
                                                           char *memory_partition, uint32_t len) {
    GPU_OR_RETURN(processor_handle, x);
    return copy_string(&x->memory_partition, memory_partition, len);
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_activity(amdsmi_processor_handle processor_handle,
                                                   amdsmi_engine_usage_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    unsigned long long gfx;
    amdsmi_status_t r = val(&x->gfx_activity, &gfx);
    if (r) {
        return r;
    }
    memset(info, 0, sizeof *info);
    info->gfx_activity = (uint32_t)gfx;
    info->umc_activity = (uint32_t)val_or(&x->umc_activity, 0xFFFFFFFFull);
    info->mm_activity = (uint32_t)val_or(&x->mm_activity, 0xFFFFFFFFull);
    return AMDSMI_STATUS_SUCCESS;
}

#if !defined(FAKE_AMDSMI_NO_ENERGY_AND_MEMORY)
static amdsmi_status_t memory_value(amdsmi_processor_handle h, amdsmi_memory_type_t type, uint64_t *out,
                                    const fval_t *(*pick)(fake_gpu_t *)) {
    GPU_OR_RETURN(h, x);
    if (!out) {
        return AMDSMI_STATUS_INVAL;
    }
    if (type != AMDSMI_MEM_TYPE_VRAM) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    if (x->memory_calls.set && x->memory_calls.err) {
        return x->memory_calls.err;
    }
    unsigned long long v;
    amdsmi_status_t r = val(pick(x), &v);
    if (r == AMDSMI_STATUS_SUCCESS) {
        *out = v;
    }
    return r;
}
static const fval_t *pick_total(fake_gpu_t *x) { return &x->vram_total; }
static const fval_t *pick_used(fake_gpu_t *x) { return &x->vram_used; }

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_memory_total(amdsmi_processor_handle processor_handle,
                                                       amdsmi_memory_type_t mem_type, uint64_t *total) {
    return memory_value(processor_handle, mem_type, total, pick_total);
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_memory_usage(amdsmi_processor_handle processor_handle,
                                                       amdsmi_memory_type_t mem_type, uint64_t *used) {
    return memory_value(processor_handle, mem_type, used, pick_used);
}
#endif

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_vram_usage(amdsmi_processor_handle processor_handle,
                                                     amdsmi_vram_usage_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    unsigned long long total, used;
    amdsmi_status_t r = val(&x->vram_total, &total);
    if (r == AMDSMI_STATUS_SUCCESS) {
        r = val(&x->vram_used, &used);
    }
    if (r) {
        return r;
    }
    memset(info, 0, sizeof *info);
    /* MB, truncated, as the library's division of the byte counts */
    info->vram_total = (uint32_t)(total / (1024ull * 1024ull));
    info->vram_used = (uint32_t)(used / (1024ull * 1024ull));
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_temp_metric(amdsmi_processor_handle processor_handle,
                                                  amdsmi_temperature_type_t sensor_type,
                                                  amdsmi_temperature_metric_t metric, int64_t *temperature) {
    GPU_OR_RETURN(processor_handle, x);
    if (!temperature) {
        return AMDSMI_STATUS_INVAL;
    }
    if (metric != AMDSMI_TEMP_CURRENT) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    const fval_t *v = sensor_type == AMDSMI_TEMPERATURE_TYPE_EDGE      ? &x->temp_edge
                      : sensor_type == AMDSMI_TEMPERATURE_TYPE_HOTSPOT ? &x->temp_hotspot
                      : sensor_type == AMDSMI_TEMPERATURE_TYPE_VRAM    ? &x->temp_vram
                                                                       : NULL;
    unsigned long long u;
    amdsmi_status_t r = v ? val(v, &u) : AMDSMI_STATUS_NOT_SUPPORTED;
    if (r == AMDSMI_STATUS_SUCCESS) {
        *temperature = (int64_t)u; /* millidegrees Celsius */
    }
    return r;
}

AMDSMI_API amdsmi_status_t amdsmi_get_power_info(amdsmi_processor_handle processor_handle, amdsmi_power_info_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    if (x->power_info.set && x->power_info.err) {
        return x->power_info.err;
    }
    if (!x->current_socket_power.set && !x->average_socket_power.set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    memset(info, 0xFF, sizeof *info); /* unsupported members read as all ones */
    info->current_socket_power = (uint32_t)val_or(&x->current_socket_power, 0xFFFFFFFFull);
    info->average_socket_power = (uint32_t)val_or(&x->average_socket_power, 0xFFFFFFFFull);
#if !defined(FAKE_AMDSMI_ABI_24)
    info->socket_power = val_or(&x->socket_power, val_or(&x->current_socket_power, 0xFFFFFFFFull));
#endif
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_power_cap_info(amdsmi_processor_handle processor_handle, uint32_t sensor_ind,
                                                     amdsmi_power_cap_info_t *info) {
    GPU_OR_RETURN(processor_handle, x);
    if (!info) {
        return AMDSMI_STATUS_INVAL;
    }
    if (sensor_ind != 0) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    unsigned long long cap;
    amdsmi_status_t r = val(&x->power_cap, &cap);
    if (r) {
        return r;
    }
    memset(info, 0, sizeof *info);
    info->power_cap = cap; /* uW */
    info->default_power_cap = cap;
    info->max_power_cap = cap;
    return AMDSMI_STATUS_SUCCESS;
}

#if !defined(FAKE_AMDSMI_NO_ENERGY_AND_MEMORY)
AMDSMI_API amdsmi_status_t amdsmi_get_energy_count(amdsmi_processor_handle processor_handle,
                                                   uint64_t *energy_accumulator, float *counter_resolution,
                                                   uint64_t *timestamp) {
    GPU_OR_RETURN(processor_handle, x);
    if (!energy_accumulator || !counter_resolution || !timestamp) {
        return AMDSMI_STATUS_INVAL;
    }
    unsigned long long base;
    amdsmi_status_t r = val(&x->energy, &base);
    if (r) {
        return r;
    }
    unsigned long long reads = __atomic_fetch_add(&x->energy_reads, 1, __ATOMIC_RELAXED);
    *energy_accumulator = base + reads * val_or(&x->energy_step, 0);
    *counter_resolution = x->energy_resolution.set ? (float)x->energy_resolution.d : 15.2587890625f;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    *timestamp = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    return AMDSMI_STATUS_SUCCESS;
}
#endif

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_fan_speed(amdsmi_processor_handle processor_handle, uint32_t sensor_ind,
                                                    int64_t *speed) {
    GPU_OR_RETURN(processor_handle, x);
    if (!speed) {
        return AMDSMI_STATUS_INVAL;
    }
    unsigned long long v;
    amdsmi_status_t r = sensor_ind == 0 ? val(&x->fan_speed, &v) : AMDSMI_STATUS_NOT_SUPPORTED;
    if (r == AMDSMI_STATUS_SUCCESS) {
        *speed = (int64_t)v;
    }
    return r;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_fan_speed_max(amdsmi_processor_handle processor_handle,
                                                        uint32_t sensor_ind, uint64_t *max_speed) {
    GPU_OR_RETURN(processor_handle, x);
    if (!max_speed) {
        return AMDSMI_STATUS_INVAL;
    }
    if (sensor_ind != 0 || !x->fan_speed.set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    *max_speed = val_or(&x->fan_max, AMDSMI_MAX_FAN_SPEED);
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_clk_freq(amdsmi_processor_handle processor_handle, amdsmi_clk_type_t clk_type,
                                               amdsmi_frequencies_t *f) {
    GPU_OR_RETURN(processor_handle, x);
    if (!f) {
        return AMDSMI_STATUS_INVAL;
    }
    const fstr_t *list = clk_type == AMDSMI_CLK_TYPE_SYS ? &x->sclk_mhz : clk_type == AMDSMI_CLK_TYPE_MEM ? &x->mclk_mhz : NULL;
    const fval_t *current = clk_type == AMDSMI_CLK_TYPE_SYS ? &x->sclk_current : &x->mclk_current;
    if (!list || !list->set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    if (list->err) {
        return list->err;
    }
    memset(f, 0, sizeof *f);
    char copy[FAKE_STR];
    put(copy, sizeof copy, list->s);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && f->num_supported < AMDSMI_MAX_NUM_FREQUENCIES;
         t = strtok_r(NULL, ",", &save)) {
        f->frequency[f->num_supported++] = strtoull(trim(t), NULL, 10) * 1000000ull; /* Hz */
    }
    f->current = (uint32_t)val_or(current, 0);
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_pci_throughput(amdsmi_processor_handle processor_handle, uint64_t *sent,
                                                         uint64_t *received, uint64_t *max_pkt_sz) {
    GPU_OR_RETURN(processor_handle, x);
    unsigned long long s, rcv;
    amdsmi_status_t r = val(&x->pcie_sent, &s);
    if (r == AMDSMI_STATUS_SUCCESS) {
        r = val(&x->pcie_received, &rcv);
    }
    if (r) {
        return r;
    }
    /* The real call counts PCIe packets over one second (it blocks ~1 s); the fake sleeps less. */
    unsigned long long ms = val_or(&x->pcie_delay_ms, 20);
    struct timespec pause = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    if (sent) {
        *sent = s;
    }
    if (received) {
        *received = rcv;
    }
    if (max_pkt_sz) {
        *max_pkt_sz = val_or(&x->pcie_max_packet, 256);
    }
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_link_metrics(amdsmi_processor_handle processor_handle,
                                                   amdsmi_link_metrics_t *link_metrics) {
    GPU_OR_RETURN(processor_handle, x);
    if (!link_metrics) {
        return AMDSMI_STATUS_INVAL;
    }
    if (x->link_metrics.set && x->link_metrics.err) {
        return x->link_metrics.err;
    }
    unsigned long long links = val_or(&x->xgmi_links, 0);
    if (links > AMDSMI_MAX_NUM_XGMI_PHYSICAL_LINK) {
        links = AMDSMI_MAX_NUM_XGMI_PHYSICAL_LINK;
    }
    unsigned long long reads = __atomic_fetch_add(&x->xgmi_reads, 1, __ATOMIC_RELAXED);
    memset(link_metrics, 0, sizeof *link_metrics);
    link_metrics->num_links = (uint32_t)links;
    for (unsigned i = 0; i < links; i++) {
        /* link i leads to the GPU i places on (wrapping past this one), as an xGMI hive */
        unsigned peer = (x->index + 1 + i) % (g.ngpus ? g.ngpus : 1);
        link_metrics->links[i].bdf.as_uint = g.gpus[peer].bdf_value;
        link_metrics->links[i].bit_rate = 32;
        link_metrics->links[i].max_bandwidth = 64;
        link_metrics->links[i].link_type = FAKE_AMDSMI_LINK_TYPE_XGMI;
        unsigned long long step = val_or(&x->xgmi_step_kb, 0);
        link_metrics->links[i].read = val_or(&x->xgmi_read_kb, 0) + i * 1000ull + reads * step;
        link_metrics->links[i].write = val_or(&x->xgmi_write_kb, 0) + i * 1000ull + reads * step;
    }
    return AMDSMI_STATUS_SUCCESS;
}

AMDSMI_API amdsmi_status_t amdsmi_get_gpu_process_list(amdsmi_processor_handle processor_handle,
                                                       uint32_t *max_processes, amdsmi_proc_info_t *list) {
    GPU_OR_RETURN(processor_handle, x);
    if (!max_processes) {
        return AMDSMI_STATUS_INVAL;
    }
    if (x->process_list.set && x->process_list.err) {
        return x->process_list.err;
    }
    uint32_t n = 0;
    uint32_t room = list ? *max_processes : 0;
    for (unsigned i = 0; i < g.nprocs; i++) {
        const fake_proc_t *p = &g.procs[i];
        if (p->gpu.u != x->index) {
            continue;
        }
        if (n < room) {
            amdsmi_proc_info_t *e = &list[n];
            memset(e, 0, sizeof *e);
            put(e->name, sizeof e->name, p->name.set ? p->name.s : "");
            e->pid = p->pid;
            e->memory_usage.vram_mem = val_or(&p->vram, 0);
            e->memory_usage.gtt_mem = val_or(&p->gtt, 0);
            e->memory_usage.cpu_mem = val_or(&p->cpu, 0);
            e->mem = e->memory_usage.vram_mem + e->memory_usage.gtt_mem + e->memory_usage.cpu_mem;
            e->engine_usage.gfx = val_or(&p->gfx_ns, 0);
            e->engine_usage.enc = val_or(&p->enc_ns, 0);
            put(e->container_name, sizeof e->container_name, p->container.set ? p->container.s : "");
#if !defined(FAKE_AMDSMI_ABI_24)
            e->cu_occupancy = (uint32_t)val_or(&p->cu_occupancy, 0);
#endif
        }
        n++;
    }
    *max_processes = n;
    return list && n > room ? AMDSMI_STATUS_OUT_OF_RESOURCES : AMDSMI_STATUS_SUCCESS;
}
