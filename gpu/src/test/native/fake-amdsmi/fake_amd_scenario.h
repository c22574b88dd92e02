/*
 * The scenario state both fake libraries (libamd_smi.so, librocm_smi64.so) answer from, and its
 * reader: one scenario file describes the node, whichever library the agent loads reads it
 * (format: gpu/src/test/resources/amdsmi/README.md). Status names in a scenario are AMD SMI's; the
 * ROCm SMI front end maps them to its own codes. Included by exactly one .c file per library.
 */
#ifndef TELEGEN_FAKE_AMD_SCENARIO_H
#define TELEGEN_FAKE_AMD_SCENARIO_H

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

#define FAKE_SHARED __attribute__((unused)) static

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
    fstr_t lib_version, driver_version, rocm_smi_version;
    unsigned int ngpus;
    fake_gpu_t gpus[FAKE_MAX_GPUS];
    unsigned int nprocs;
    fake_proc_t procs[FAKE_MAX_PROCS];
    unsigned int version_parts[4];
    unsigned int nsockets;
    unsigned long long socket_ids[FAKE_MAX_GPUS]; /* the socket handles: pointers into this array */
} fake_state_t;

FAKE_SHARED fake_state_t g;
FAKE_SHARED int g_refs;
FAKE_SHARED unsigned long long g_calls; /* device calls since load, for the benchmark's count */
FAKE_SHARED pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
FAKE_SHARED char g_build[64];

/* Copies src into the fixed-size field dst, cut to fit (the library's strings are bounded). */
FAKE_SHARED void put(char *dst, size_t n, const char *src) {
    size_t l = strlen(src);
    if (l >= n) {
        l = n - 1;
    }
    memcpy(dst, src, l);
    dst[l] = '\0';
}

/* ---- control file: GPUs that fail now ---- */
FAKE_SHARED amdsmi_status_t g_fail_now[FAKE_MAX_GPUS];
FAKE_SHARED struct timespec g_control_mtime;
FAKE_SHARED off_t g_control_size = -1;
FAKE_SHARED char g_control_path[4096];

FAKE_SHARED const struct {
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

FAKE_SHARED amdsmi_status_t status_by_name(const char *s) {
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

FAKE_SHARED void read_control(void) {
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
FAKE_SHARED const keydef_t GPU_KEYS[] = {
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
FAKE_SHARED const keydef_t PROC_KEYS[] = {
    PV("gpu", gpu), PS("name", name), PS("container", container), PV("vram", vram), PV("gtt", gtt),
    PV("cpu", cpu), PV("gfx_ns", gfx_ns), PV("enc_ns", enc_ns), PV("cu_occupancy", cu_occupancy),
};
FAKE_SHARED const keydef_t SYSTEM_KEYS[] = {
    {"lib_version", K_STR, offsetof(fake_state_t, lib_version)},
    {"driver_version", K_STR, offsetof(fake_state_t, driver_version)},
    {"rocm_smi_version", K_STR, offsetof(fake_state_t, rocm_smi_version)},
};

FAKE_SHARED const char *g_path;
FAKE_SHARED int g_line;

__attribute__((format(printf, 1, 2))) FAKE_SHARED amdsmi_status_t fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fake-amdsmi: %s:%d: ", g_path, g_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return AMDSMI_STATUS_INIT_ERROR;
}

FAKE_SHARED char *trim(char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        s[--n] = '\0';
    }
    return s;
}

FAKE_SHARED int parse_number(const char *s, fval_t *v) {
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

FAKE_SHARED amdsmi_status_t set_key(const keydef_t *table, size_t n, void *base, const char *key, const char *value) {
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

FAKE_SHARED int parse_uint(const char *s, unsigned long *out) {
    char *end;
    if (*s < '0' || *s > '9') {
        return 0;
    }
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0';
}

FAKE_SHARED amdsmi_status_t validate(void) {
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
#if defined(FAKE_ROCMSMI)
    return AMDSMI_STATUS_SUCCESS; /* lib_version is AMD SMI's; ROCm SMI reports rocm_smi_version */
#endif
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

FAKE_SHARED amdsmi_status_t load_scenario(const char *path) {
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
FAKE_SHARED amdsmi_status_t gpu_of(amdsmi_processor_handle h, fake_gpu_t **out) {
    __atomic_fetch_add(&g_calls, 1, __ATOMIC_RELAXED);
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

/* A scenario value: its error, NOT_SUPPORTED when absent, else SUCCESS with *out. */
FAKE_SHARED amdsmi_status_t val(const fval_t *v, unsigned long long *out) {
    if (!v->set) {
        return AMDSMI_STATUS_NOT_SUPPORTED;
    }
    if (v->err) {
        return v->err;
    }
    *out = v->u;
    return AMDSMI_STATUS_SUCCESS;
}

FAKE_SHARED unsigned long long val_or(const fval_t *v, unsigned long long dflt) {
    return v->set && !v->err ? v->u : dflt;
}

FAKE_SHARED amdsmi_status_t copy_string(const fstr_t *s, char *buf, uint32_t len) {
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


#endif
