/*
 * A fake libnvidia-ml.so.1 for Telegen's tests: the real NVML C ABI (names, struct layouts,
 * return codes, calling conventions) answered from a scenario file instead of a GPU driver.
 *
 *   FAKE_NVML_SCENARIO   scenario file, read by the first nvmlInit (re-read after the last nvmlShutdown)
 *   FAKE_NVML_LOST_FILE  optional control file (variable and file are both looked up on every device call) of
 *                        whitespace-separated tokens: "N" GPU N fell off the bus (every call GPU_IS_LOST),
 *                        "N:ERROR" nvmlDeviceGetHandleByIndex_v2(N) answers ERROR (NO_PERMISSION, ...),
 *                        "P.S=NAME" MIG slot S of GPU P shows the [mig P.S NAME] variant, "P.S=-" is empty
 *   FAKE_NVML_UNPRIVILEGED  "1" at nvmlInit: an unprivileged caller, to whom MIG parents refuse their aggregate
 *                        processes and memory (NO_PERMISSION) while MIG handles answer
 *
 * Test hooks: fakeNvmlBlockNext(symbol, timeout_ms) makes the next call of one device entry point hang
 * "in the driver" until fakeNvmlRelease() (or the timeout, so a broken test cannot hang forever), and
 * counts that symbol's calls from then on (fakeNvmlWatchedCalls); fakeNvmlBlockedCalls says how many
 * calls wait now.
 *
 * Built twice by build-fake-nvml.sh: a current (590-class) driver, and with -DFAKE_NVML_OLD_DRIVER an
 * R450-era library that lacks the newer entry points. Only NVML names and the fakeNvml* test hooks are
 * exported (-fvisibility=hidden).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fake_nvml_internal.h"

fake_state_t g_fake;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;      /* init/shutdown, process-utilization clock */
static pthread_mutex_t g_lost_mu = PTHREAD_MUTEX_INITIALIZER; /* lost-file cache */
static atomic_int g_refcount;
static atomic_ullong g_calls;

static char g_lost_path[PATH_MAX];
static atomic_ullong g_lost_mask;
/* control-file "N:ERROR" tokens: what nvmlDeviceGetHandleByIndex_v2(N) answers (0: no override) */
static atomic_int g_handle_err[FAKE_MAX_GPUS];
static struct {
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} g_lost_key;

#define DEFAULT_PCIE_DELAY_MS 20ull
#define DEFAULT_UTIL_PERIOD_MS 1000ull
#define DEFAULT_CODEC_PERIOD_US 167000ull
#define GPM_MIN_INTERVAL_NS 100000000ll
#define NOT_MIG_ID 0xFFFFFFFFu

/* ------------------------------------------------------------------------------------------------ */
/* small helpers                                                                                    */

#define ENTER() atomic_fetch_add_explicit(&g_calls, 1, memory_order_relaxed)
#define INITIALIZED() (atomic_load_explicit(&g_refcount, memory_order_acquire) > 0)

static unsigned long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull;
}

static void sleep_ms(unsigned long long ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* value of a scenario key: absent -> NOT_SUPPORTED, error name -> that error */
static nvmlReturn_t val(const fval_t *v, unsigned long long *out) {
    if (!v->set) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    if (v->err) {
        return v->err;
    }
    *out = v->u;
    return NVML_SUCCESS;
}

static nvmlReturn_t val_u32(const fval_t *v, unsigned int *out) {
    unsigned long long u = 0;
    nvmlReturn_t r = val(v, &u);
    if (r == NVML_SUCCESS) {
        *out = (unsigned int)u;
    }
    return r;
}

/* value of a key that has a default when absent */
static nvmlReturn_t val_or(const fval_t *v, unsigned long long dflt, unsigned long long *out) {
    if (!v->set) {
        *out = dflt;
        return NVML_SUCCESS;
    }
    return val(v, out);
}

static unsigned long long num_or(const fval_t *v, unsigned long long dflt) {
    return (v->set && !v->err) ? v->u : dflt;
}

static nvmlReturn_t put_str(const char *s, char *buf, unsigned int length) {
    size_t n = strlen(s);
    if ((size_t)length < n + 1) {
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(buf, s, n + 1);
    return NVML_SUCCESS;
}

static nvmlReturn_t put_fstr(const fstr_t *s, char *buf, unsigned int length) {
    if (!s->set) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    if (s->err) {
        return s->err;
    }
    return put_str(s->s, buf, length);
}

static int mig_enabled(const struct nvmlDevice_st *g) {
    return g->mig_mode.set && !g->mig_mode.err && g->mig_mode.u == NVML_DEVICE_MIG_ENABLE;
}

static struct nvmlDevice_st *phys(struct nvmlDevice_st *d) {
    return d->is_mig ? d->parent : d;
}

/* ------------------------------------------------------------------------------------------------ */
/* lost GPUs                                                                                        */

/* Shows variant `want` (an index in g_fake.variants, or -1: nothing) in a MIG slot. The slot's
 * nvmlDevice_t stays the same address, as a real driver may hand out the same handle for the
 * instance that is created in a slot after another was destroyed ("Handles may be reused and their
 * properties can change"); a handle of an emptied slot answers INVALID_ARGUMENT like a stale one. */
static void mig_show_locked(unsigned int gpu, unsigned int slot, int want) {
    struct nvmlDevice_st *m = &g_fake.migs[gpu][slot];
    if (g_fake.mig_shown[gpu][slot] == want) {
        return;
    }
    if (want < 0) {
        m->present = 0;
    } else {
        m->present = 0;
        atomic_thread_fence(memory_order_seq_cst);
        memcpy(m, &g_fake.variants[want].dev, sizeof *m);
        m->magic = FAKE_DEVICE_MAGIC;
        m->parent = &g_fake.gpus[gpu];
        m->present = 1;
    }
    g_fake.mig_shown[gpu][slot] = want;
}

/* "P.S=NAME" / "P.S=-": 1 when the token is one, with the slot's variant chosen in sel. */
static int mig_token(char *tok, int sel[FAKE_MAX_GPUS][FAKE_MAX_MIG]) {
    char *eq = strchr(tok, '=');
    if (eq == NULL) {
        return 0;
    }
    *eq = '\0';
    unsigned int gpu = 0, slot = 0;
    char tail = 0;
    if (sscanf(tok, "%u.%u%c", &gpu, &slot, &tail) != 2 || gpu >= g_fake.ngpus || slot >= FAKE_MAX_MIG) {
        fprintf(stderr, "fake-nvml: %s: bad MIG slot '%s'\n", g_lost_path, tok);
        return 1;
    }
    const char *name = eq + 1;
    if (strcmp(name, "-") == 0) {
        sel[gpu][slot] = -1;
        return 1;
    }
    for (unsigned v = 0; v < g_fake.nvariants; v++) {
        const fake_mig_variant_t *x = &g_fake.variants[v];
        if (x->gpu == gpu && x->slot == slot && strcmp(x->name, name) == 0) {
            sel[gpu][slot] = (int)v;
            return 1;
        }
    }
    fprintf(stderr, "fake-nvml: %s: no [mig %u.%u %s] in the scenario\n", g_lost_path, gpu, slot, name);
    return 1;
}

static void lost_reload_locked(void) {
    unsigned long long mask = 0;
    int handle_err[FAKE_MAX_GPUS] = {0};
    static int sel[FAKE_MAX_GPUS][FAKE_MAX_MIG];
    /* Slots the file does not name show their start-up instance (variant "") or nothing. */
    for (unsigned g = 0; g < FAKE_MAX_GPUS; g++) {
        for (unsigned m = 0; m < FAKE_MAX_MIG; m++) {
            sel[g][m] = -1;
        }
    }
    for (unsigned v = 0; v < g_fake.nvariants; v++) {
        if (g_fake.variants[v].name[0] == '\0') {
            sel[g_fake.variants[v].gpu][g_fake.variants[v].slot] = (int)v;
        }
    }
    int fd = open(g_lost_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            char *save = NULL;
            for (char *tok = strtok_r(buf, " \t\r\n,", &save); tok; tok = strtok_r(NULL, " \t\r\n,", &save)) {
                if (mig_token(tok, sel)) {
                    continue;
                }
                char *end;
                unsigned long idx = strtoul(tok, &end, 10);
                if (end != tok && *end == ':' && idx < FAKE_MAX_GPUS) {
                    nvmlReturn_t err = fake_error_by_name(end + 1);
                    if (err != NVML_SUCCESS) {
                        handle_err[idx] = (int)err;
                    } else {
                        fprintf(stderr, "fake-nvml: %s: '%s' is not an NVML error\n", g_lost_path, end + 1);
                    }
                } else if (*end == '\0' && end != tok && idx < 64) {
                    mask |= 1ull << idx;
                }
            }
        }
    }
    atomic_store(&g_lost_mask, mask);
    for (unsigned g = 0; g < FAKE_MAX_GPUS; g++) {
        atomic_store(&g_handle_err[g], handle_err[g]);
    }
    for (unsigned g = 0; g < g_fake.ngpus; g++) {
        for (unsigned m = 0; m < FAKE_MAX_MIG; m++) {
            mig_show_locked(g, m, sel[g][m]);
        }
    }
}

/* Cheap: one getenv and one stat per device call; the file is re-read only when it changed. Files
 * modified within the last second are re-read every time, because mtime granularity can hide a quick
 * rewrite. The variable itself is looked up on every call too, so a test may set it after nvmlInit. */
static void lost_refresh(const char *path) {
    pthread_mutex_lock(&g_lost_mu);
    if (strcmp(path, g_lost_path) != 0) {
        snprintf(g_lost_path, sizeof g_lost_path, "%s", path);
        memset(&g_lost_key, 0, sizeof g_lost_key);
        atomic_store(&g_lost_mask, 0ull);
    }
    struct stat st;
    int exists = stat(g_lost_path, &st) == 0;
    int changed = exists != g_lost_key.exists;
    if (exists) {
        if (!changed) {
            changed = st.st_dev != g_lost_key.dev || st.st_ino != g_lost_key.ino || st.st_size != g_lost_key.size ||
                      st.st_mtim.tv_sec != g_lost_key.mtime.tv_sec || st.st_mtim.tv_nsec != g_lost_key.mtime.tv_nsec;
        }
        if (!changed) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            changed = now.tv_sec - st.st_mtim.tv_sec <= 1;
        }
    }
    if (changed) {
        g_lost_key.exists = exists;
        if (exists) {
            g_lost_key.dev = st.st_dev;
            g_lost_key.ino = st.st_ino;
            g_lost_key.size = st.st_size;
            g_lost_key.mtime = st.st_mtim;
            lost_reload_locked();
        } else {
            lost_reload_locked(); /* no file: nothing lost, every MIG slot as at start */
        }
    }
    pthread_mutex_unlock(&g_lost_mu);
}

/* Brings the control file's state in; 0 when no control file is set (nothing overridden). */
static int control_refresh(void) {
    const char *path = getenv("FAKE_NVML_LOST_FILE");
    if (path == NULL || *path == '\0' || strlen(path) >= sizeof g_lost_path) {
        return 0;
    }
    lost_refresh(path);
    return 1;
}

static int gpu_lost(unsigned int gpu_index) {
    if (!control_refresh()) {
        return 0;
    }
    return gpu_index < 64 && ((atomic_load(&g_lost_mask) >> gpu_index) & 1ull);
}

/* What nvmlDeviceGetHandleByIndex_v2 answers for a GPU that exists: the control file's "N:ERROR",
 * else the scenario's `handle` key, else GPU_IS_LOST for a lost GPU, else SUCCESS. */
static nvmlReturn_t handle_error(unsigned int gpu_index) {
    if (control_refresh()) {
        int err = atomic_load(&g_handle_err[gpu_index]);
        if (err != 0) {
            return (nvmlReturn_t)err;
        }
    }
    const fval_t *h = &g_fake.gpus[gpu_index].handle_rc;
    if (h->set && h->err) {
        return h->err;
    }
    return gpu_lost(gpu_index) ? NVML_ERROR_GPU_IS_LOST : NVML_SUCCESS;
}

/* ------------------------------------------------------------------------------------------------ */
/* handles                                                                                          */

static struct nvmlDevice_st *resolve(nvmlDevice_t h) {
    uintptr_t p = (uintptr_t)h;
    uintptr_t b = (uintptr_t)&g_fake.gpus[0];
    if (p >= b && p < (uintptr_t)&g_fake.gpus[g_fake.ngpus]) {
        return (p - b) % sizeof(struct nvmlDevice_st) == 0 ? h : NULL;
    }
    b = (uintptr_t)&g_fake.migs[0][0];
    if (p >= b && p < b + sizeof g_fake.migs) {
        if ((p - b) % sizeof(struct nvmlDevice_st) != 0 || !h->present || h->magic != FAKE_DEVICE_MAGIC) {
            return NULL;
        }
        return h;
    }
    return NULL;
}

/* Common prologue of every device call: initialized, valid handle, GPU not lost. Any device query
 * except the process-utilization ones marks the GPU "queried", which lets fresh process utilization
 * samples appear (see util_sample_ts). */
static nvmlReturn_t dev_begin(nvmlDevice_t h, struct nvmlDevice_st **out, int touch) {
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    control_refresh(); /* MIG slots may change with it: before the handle is resolved */
    struct nvmlDevice_st *d = resolve(h);
    if (!d) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    struct nvmlDevice_st *g = phys(d);
    if (gpu_lost(g->index)) {
        return NVML_ERROR_GPU_IS_LOST;
    }
    if (touch) {
        atomic_store_explicit(&g->util_dirty, 1, memory_order_relaxed);
    }
    *out = d;
    return NVML_SUCCESS;
}

static void block_point(const char *symbol);
static atomic_int g_blocked;          /* calls blocked in block_point now */
static atomic_ullong g_misuses;

static void misuse(const char *what) {
    atomic_fetch_add(&g_misuses, 1ull);
    fprintf(stderr, "fake-nvml: misuse: %s\n", what);
}

#define DEVICE_CALL(h, d)                                                                                     \
    struct nvmlDevice_st *d = NULL;                                                                           \
    ENTER();                                                                                                  \
    block_point(__func__);                                                                                    \
    do {                                                                                                      \
        nvmlReturn_t begin_rc_ = dev_begin((h), &d, 1);                                                       \
        if (begin_rc_ != NVML_SUCCESS) {                                                                      \
            return begin_rc_;                                                                                 \
        }                                                                                                     \
    } while (0)

#define PHYSICAL_ONLY(d)                                                                                      \
    do {                                                                                                      \
        if ((d)->is_mig) {                                                                                    \
            return NVML_ERROR_NOT_SUPPORTED;                                                                  \
        }                                                                                                     \
    } while (0)

#define NOT_NULL(p)                                                                                           \
    do {                                                                                                      \
        if ((p) == NULL) {                                                                                    \
            return NVML_ERROR_INVALID_ARGUMENT;                                                               \
        }                                                                                                     \
    } while (0)

/* ------------------------------------------------------------------------------------------------ */
/* init / shutdown / errors / system                                                                */

static nvmlReturn_t do_init(void) {
    pthread_mutex_lock(&g_mu);
    int rc = atomic_load(&g_refcount);
    if (rc > 0) {
        atomic_store(&g_refcount, rc + 1);
        pthread_mutex_unlock(&g_mu);
        return NVML_SUCCESS;
    }
    const char *path = getenv("FAKE_NVML_SCENARIO");
    if (path == NULL || *path == '\0') {
        pthread_mutex_unlock(&g_mu);
        return NVML_ERROR_DRIVER_NOT_LOADED;
    }
    nvmlReturn_t r = fake_scenario_load(path);
    if (r != NVML_SUCCESS) {
        pthread_mutex_unlock(&g_mu);
        return r;
    }
    /* The new scenario's MIG slots start as at start-up: read the control file again on the next call. */
    pthread_mutex_lock(&g_lost_mu);
    memset(&g_lost_key, 0, sizeof g_lost_key);
    g_lost_key.exists = -1;
    pthread_mutex_unlock(&g_lost_mu);
    for (unsigned i = 0; i < g_fake.ngpus; i++) {
        atomic_store(&g_fake.gpus[i].energy_reads, 0ull);
        atomic_store(&g_fake.gpus[i].nvlink_reads, 0ull);
        atomic_store(&g_fake.gpus[i].counters_reset, 0);
        atomic_store(&g_fake.gpus[i].util_dirty, 0);
        g_fake.gpus[i].util_ts = 0;
    }
    const char *unprivileged = getenv("FAKE_NVML_UNPRIVILEGED");
    g_fake.unprivileged = unprivileged != NULL && strcmp(unprivileged, "1") == 0;
    atomic_store(&g_refcount, 1);
    pthread_mutex_unlock(&g_mu);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void) {
    ENTER();
    return do_init();
}

nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    ENTER();
    (void)flags; /* NO_GPUS / NO_ATTACH / FORCE_INIT change nothing for a scenario */
    return do_init();
}

nvmlReturn_t nvmlShutdown(void) {
    ENTER();
    pthread_mutex_lock(&g_mu);
    int rc = atomic_load(&g_refcount);
    if (rc <= 0) {
        pthread_mutex_unlock(&g_mu);
        return NVML_ERROR_UNINITIALIZED;
    }
    atomic_store(&g_refcount, rc - 1);
    pthread_mutex_unlock(&g_mu);
    if (rc == 1 && atomic_load(&g_blocked) > 0) {
        misuse("nvmlShutdown while a call is still inside the driver");
    }
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result) {
    ENTER();
    switch ((int)result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_ALREADY_INITIALIZED: return "Already Initialized";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_INSUFFICIENT_POWER: return "Insufficient External Power";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_TIMEOUT: return "Timeout";
    case NVML_ERROR_IRQ_ISSUE: return "Interrupt Request Issue";
    case NVML_ERROR_LIBRARY_NOT_FOUND: return "NVML Shared Library Not Found";
    case NVML_ERROR_FUNCTION_NOT_FOUND: return "Function Not Found";
    case NVML_ERROR_CORRUPTED_INFOROM: return "Corrupted infoROM";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_RESET_REQUIRED: return "GPU requires restart";
    case NVML_ERROR_OPERATING_SYSTEM: return "The operating system has blocked the request.";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH: return "RM has detected an NVML/RM version mismatch.";
    case NVML_ERROR_IN_USE: return "The GPU is currently in use";
    case NVML_ERROR_MEMORY: return "Insufficient Memory";
    case NVML_ERROR_NO_DATA: return "No data";
    case NVML_ERROR_VGPU_ECC_NOT_SUPPORTED: return "Requested vgpu operation not available with ECC enabled";
    case NVML_ERROR_INSUFFICIENT_RESOURCES: return "Ran out of critical resources, other than memory";
    case NVML_ERROR_FREQ_NOT_SUPPORTED: return "The requested frequency is not supported";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "The provided version is invalid/unsupported";
    case NVML_ERROR_DEPRECATED: return "The requested functionality has been deprecated";
    case NVML_ERROR_NOT_READY: return "The system is not ready for the request";
    case NVML_ERROR_GPU_NOT_FOUND: return "The GPU was not found";
    case NVML_ERROR_INVALID_STATE: return "The resource is in an invalid state";
    case NVML_ERROR_RESET_TYPE_NOT_SUPPORTED: return "The requested reset type is not supported";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    NOT_NULL(version);
    return put_fstr(&g_fake.driver_version, version, length);
}

nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    NOT_NULL(version);
    return put_fstr(&g_fake.nvml_version, version, length);
}

static nvmlReturn_t cuda_version(int *out) {
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    NOT_NULL(out);
    unsigned long long v = 0;
    nvmlReturn_t r = val(&g_fake.cuda_driver_version, &v);
    if (r == NVML_SUCCESS) {
        *out = (int)v;
    }
    return r;
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion) {
    ENTER();
    return cuda_version(cudaDriverVersion);
}

#ifndef FAKE_NVML_OLD_DRIVER
/* "The returned CUDA driver version by calling cuDriverGetVersion()": without libcuda.so.1 (a container
 * given only the utility driver capability) it fails, while the unversioned call still answers "a known
 * supported version number" (nvml.h). */
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *cudaDriverVersion) {
    ENTER();
    if (INITIALIZED() && cudaDriverVersion != NULL && num_or(&g_fake.libcuda, 1) == 0) {
        return NVML_ERROR_LIBRARY_NOT_FOUND;
    }
    return cuda_version(cudaDriverVersion);
}
#endif

/* ------------------------------------------------------------------------------------------------ */
/* enumeration and identity                                                                         */

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    NOT_NULL(deviceCount);
    *deviceCount = g_fake.ngpus;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (device == NULL || index >= g_fake.ngpus) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    /* nvml.h: the count includes GPUs whose handle answers NO_PERMISSION; INSUFFICIENT_POWER,
     * IRQ_ISSUE and GPU_IS_LOST are the other per-GPU answers. */
    nvmlReturn_t err = handle_error(index);
    if (err != NVML_SUCCESS) {
        return err;
    }
    *device = &g_fake.gpus[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (uuid == NULL || device == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    for (unsigned i = 0; i < g_fake.ngpus; i++) {
        struct nvmlDevice_st *g = &g_fake.gpus[i];
        struct nvmlDevice_st *hit = NULL;
        if (!g->uuid.err && strcmp(g->uuid.s, uuid) == 0) {
            hit = g;
        }
        for (unsigned m = 0; hit == NULL && m < FAKE_MAX_MIG; m++) {
            struct nvmlDevice_st *d = &g_fake.migs[i][m];
            if (d->present && !d->uuid.err && strcmp(d->uuid.s, uuid) == 0) {
                hit = d;
            }
        }
        if (hit != NULL) {
            nvmlReturn_t err = handle_error(i);
            if (err != NVML_SUCCESS) {
                return err;
            }
            *device = hit;
            return NVML_SUCCESS;
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index) {
    DEVICE_CALL(device, d);
    NOT_NULL(index);
    PHYSICAL_ONLY(d);
    *index = d->index;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    DEVICE_CALL(device, d);
    NOT_NULL(name);
    if (d->name.set || !d->is_mig) {
        return put_fstr(&d->name, name, length);
    }
    /* MIG device: "<parent name> MIG <profile>", e.g. "NVIDIA H100 80GB HBM3 MIG 1g.10gb" */
    if (d->parent->name.err) {
        return d->parent->name.err;
    }
    if (d->profile.err) {
        return d->profile.err;
    }
    char buf[2 * FAKE_STR + 8];
    snprintf(buf, sizeof buf, "%s MIG %s", d->parent->name.s, d->profile.s);
    return put_str(buf, name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    DEVICE_CALL(device, d);
    NOT_NULL(uuid);
    return put_fstr(&d->uuid, uuid, length);
}

nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char *serial, unsigned int length) {
    DEVICE_CALL(device, d);
    NOT_NULL(serial);
    PHYSICAL_ONLY(d);
    return put_fstr(&d->serial, serial, length);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) {
    DEVICE_CALL(device, d);
    NOT_NULL(pci);
    struct nvmlDevice_st *g = phys(d); /* a MIG device reports its parent's PCI location */
    unsigned int dom = g->pci_domain, bus = g->pci_bus & 0xffu, dev = g->pci_dev & 0xffu;
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", dom & 0xffffu, bus, dev);
    snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", dom, bus, dev);
    pci->domain = dom;
    pci->bus = bus;
    pci->device = dev;
    pci->pciDeviceId = (unsigned int)num_or(&g->pci_device_id, 0);
    pci->pciSubSystemId = (unsigned int)num_or(&g->pci_subsystem_id, 0);
    return NVML_SUCCESS;
}

/* ------------------------------------------------------------------------------------------------ */
/* utilization, memory, temperature, power, clocks, PCIe, codecs, fans                              */

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
    DEVICE_CALL(device, d);
    NOT_NULL(utilization);
    if (d->is_mig || mig_enabled(d)) {
        return NVML_ERROR_NOT_SUPPORTED; /* "On MIG-enabled GPUs, querying device utilization rates is not supported" */
    }
    unsigned int gpu = 0, mem = 0;
    nvmlReturn_t r = val_u32(&d->util_gpu, &gpu);
    if (r == NVML_SUCCESS) {
        r = val_u32(&d->util_mem, &mem);
    }
    if (r == NVML_SUCCESS) {
        utilization->gpu = gpu;
        utilization->memory = mem;
    }
    return r;
}

static int aggregate_refused(const struct nvmlDevice_st *d);

static nvmlReturn_t memory_values(struct nvmlDevice_st *d, unsigned long long *total, unsigned long long *reserved,
                                  unsigned long long *used) {
    if (aggregate_refused(d)) {
        return NVML_ERROR_NO_PERMISSION;
    }
    nvmlReturn_t r = val(&d->mem_total, total);
    if (r == NVML_SUCCESS) {
        r = val(&d->mem_used, used);
    }
    if (r == NVML_SUCCESS) {
        r = val_or(&d->mem_reserved, 0, reserved);
    }
    return r;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    DEVICE_CALL(device, d);
    NOT_NULL(memory);
    unsigned long long total = 0, reserved = 0, used = 0;
    nvmlReturn_t r = memory_values(d, &total, &reserved, &used);
    if (r == NVML_SUCCESS) {
        /* v1 "used" is the "Sum of Reserved and Allocated device memory"; total = free + used */
        unsigned long long taken = reserved + used;
        memory->total = total;
        memory->used = taken;
        memory->free = taken < total ? total - taken : 0;
    }
    return r;
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
    DEVICE_CALL(device, d);
    NOT_NULL(memory);
    if (memory->version != nvmlMemory_v2) {
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    if (d->memory_v2.set && d->memory_v2.err) {
        return d->memory_v2.err; /* e.g. NOT_SUPPORTED where only the v1 call answers */
    }
    unsigned long long total = 0, reserved = 0, used = 0, freemem = 0;
    nvmlReturn_t r = memory_values(d, &total, &reserved, &used);
    if (r == NVML_SUCCESS) {
        r = val_or(&d->mem_free, reserved + used < total ? total - reserved - used : 0, &freemem);
    }
    if (r == NVML_SUCCESS) {
        memory->total = total;
        memory->reserved = reserved;
        memory->used = used;
        memory->free = freemem;
    }
    return r;
}
#endif

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType, unsigned int *temp) {
    DEVICE_CALL(device, d);
    if (temp == NULL || sensorType != NVML_TEMPERATURE_GPU) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    PHYSICAL_ONLY(d);
    return val_u32(&d->temp_gpu, temp);
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetTemperatureV(nvmlDevice_t device, nvmlTemperature_t *temperature) {
    DEVICE_CALL(device, d);
    NOT_NULL(temperature);
    if (temperature->version != nvmlTemperature_v1) {
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    if (temperature->sensorType != NVML_TEMPERATURE_GPU) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    PHYSICAL_ONLY(d);
    unsigned long long t = 0;
    nvmlReturn_t r = val(&d->temp_gpu, &t);
    if (r == NVML_SUCCESS) {
        temperature->temperature = (int)t;
    }
    return r;
}
#endif

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
    DEVICE_CALL(device, d);
    NOT_NULL(power);
    PHYSICAL_ONLY(d);
    return val_u32(&d->power_usage, power);
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit) {
    DEVICE_CALL(device, d);
    NOT_NULL(limit);
    PHYSICAL_ONLY(d);
    return val_u32(&d->power_limit, limit);
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit) {
    DEVICE_CALL(device, d);
    NOT_NULL(limit);
    PHYSICAL_ONLY(d);
    return val_u32(d->power_mgmt_limit.set ? &d->power_mgmt_limit : &d->power_limit, limit);
}

/* cumulative counter: `energy` at the first read, plus `energy_step` for every later read */
static nvmlReturn_t read_energy(struct nvmlDevice_st *g, unsigned long long *out) {
    unsigned long long base = 0;
    nvmlReturn_t r = val(&g->energy, &base);
    if (r == NVML_SUCCESS && atomic_load(&g->counters_reset)) {
        base = 0; /* counting again from the reload or reset */
    }
    if (r == NVML_SUCCESS) {
        unsigned long long n = atomic_fetch_add(&g->energy_reads, 1ull);
        *out = base + n * num_or(&g->energy_step, 0);
    }
    return r;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
    DEVICE_CALL(device, d);
    NOT_NULL(energy);
    PHYSICAL_ONLY(d);
    return read_energy(d, energy);
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock) {
    DEVICE_CALL(device, d);
    if (clock == NULL || (unsigned int)type > NVML_CLOCK_VIDEO) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    PHYSICAL_ONLY(d);
    return val_u32(&d->clock[type], clock);
}

nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock) {
    DEVICE_CALL(device, d);
    if (clock == NULL || (unsigned int)type > NVML_CLOCK_VIDEO) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    PHYSICAL_ONLY(d);
    return val_u32(d->clock_max[type].set ? &d->clock_max[type] : &d->clock[type], clock);
}

nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t device, nvmlPcieUtilCounter_t counter, unsigned int *value) {
    DEVICE_CALL(device, d);
    if (value == NULL || (unsigned int)counter > NVML_PCIE_UTIL_RX_BYTES) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    PHYSICAL_ONLY(d);
    unsigned int v = 0;
    nvmlReturn_t r = val_u32(counter == NVML_PCIE_UTIL_TX_BYTES ? &d->pcie_tx : &d->pcie_rx, &v);
    if (r == NVML_SUCCESS) {
        /* the real call counts bytes over a 20 ms window before it returns */
        sleep_ms(num_or(&d->pcie_delay_ms, DEFAULT_PCIE_DELAY_MS));
        *value = v;
    }
    return r;
}

static nvmlReturn_t codec_util(nvmlDevice_t device, int encoder, unsigned int *utilization,
                               unsigned int *samplingPeriodUs) {
    struct nvmlDevice_st *d = NULL;
    nvmlReturn_t r = dev_begin(device, &d, 1);
    if (r != NVML_SUCCESS) {
        return r;
    }
    if (utilization == NULL || samplingPeriodUs == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (d->is_mig || mig_enabled(d)) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    unsigned int u = 0;
    r = val_u32(encoder ? &d->enc_util : &d->dec_util, &u);
    if (r == NVML_SUCCESS) {
        *utilization = u;
        *samplingPeriodUs =
            (unsigned int)num_or(encoder ? &d->enc_period_us : &d->dec_period_us, DEFAULT_CODEC_PERIOD_US);
    }
    return r;
}

nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t device, unsigned int *utilization,
                                             unsigned int *samplingPeriodUs) {
    ENTER();
    return codec_util(device, 1, utilization, samplingPeriodUs);
}

nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t device, unsigned int *utilization,
                                             unsigned int *samplingPeriodUs) {
    ENTER();
    return codec_util(device, 0, utilization, samplingPeriodUs);
}

nvmlReturn_t nvmlDeviceGetNumFans(nvmlDevice_t device, unsigned int *numFans) {
    DEVICE_CALL(device, d);
    NOT_NULL(numFans);
    PHYSICAL_ONLY(d);
    unsigned long long n = 0;
    nvmlReturn_t r = val_or(&d->num_fans, 0, &n);
    if (r == NVML_SUCCESS) {
        *numFans = (unsigned int)n;
    }
    return r;
}

static nvmlReturn_t fan_speed(struct nvmlDevice_st *d, unsigned int fan, unsigned int *speed) {
    if (speed == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (d->is_mig) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    unsigned long long n = 0;
    nvmlReturn_t r = val_or(&d->num_fans, 0, &n);
    if (r != NVML_SUCCESS) {
        return r;
    }
    if (n == 0) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    if (fan >= n) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    return val_u32(&d->fan_speed, speed);
}

nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed) {
    DEVICE_CALL(device, d);
    return fan_speed(d, 0, speed);
}

nvmlReturn_t nvmlDeviceGetFanSpeed_v2(nvmlDevice_t device, unsigned int fan, unsigned int *speed) {
    DEVICE_CALL(device, d);
    return fan_speed(d, fan, speed);
}

static nvmlReturn_t clock_reasons(nvmlDevice_t device, unsigned long long *reasons) {
    struct nvmlDevice_st *d = NULL;
    nvmlReturn_t r = dev_begin(device, &d, 1);
    if (r != NVML_SUCCESS) {
        return r;
    }
    NOT_NULL(reasons);
    PHYSICAL_ONLY(d);
    return val(&d->throttle, reasons);
}

nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *clocksThrottleReasons) {
    ENTER();
    return clock_reasons(device, clocksThrottleReasons);
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *clocksEventReasons) {
    ENTER();
    return clock_reasons(device, clocksEventReasons);
}
#endif

/* ------------------------------------------------------------------------------------------------ */
/* processes                                                                                        */

static unsigned int proc_gi(const fake_proc_t *p) {
    return (unsigned int)num_or(&p->gi_id, NOT_MIG_ID);
}

static unsigned int proc_ci(const fake_proc_t *p) {
    return (unsigned int)num_or(&p->ci_id, NOT_MIG_ID);
}

/* a parent handle sees every process on the GPU (aggregate), a MIG handle those of its GI/CI */
static int proc_visible(const fake_proc_t *p, const struct nvmlDevice_st *d) {
    const struct nvmlDevice_st *g = d->is_mig ? d->parent : d;
    if (p->gpu.u != g->index) {
        return 0;
    }
    return !d->is_mig || (proc_gi(p) == (unsigned int)d->gi_id.u && proc_ci(p) == (unsigned int)d->ci_id.u);
}

/* nvml.h: "In MIG mode, if device handle is provided, the API returns aggregate information, only if
 * the caller has appropriate privileges. Per-instance information can be queried by using specific MIG
 * device handles." An unprivileged caller (FAKE_NVML_UNPRIVILEGED=1 at init, as in a container without
 * extra capabilities) gets NO_PERMISSION for a MIG-enabled parent's processes and memory. */
static int aggregate_refused(const struct nvmlDevice_st *d) {
    return g_fake.unprivileged && !d->is_mig && mig_enabled(d);
}

/* The compute list holds the compute processes (the MPS server among them); the MPS list holds the MPS
 * clients, which the compute list does not show. */
static int proc_listed(const fake_proc_t *p, const struct nvmlDevice_st *d, int mps) {
    return proc_visible(p, d) && (num_or(&p->mps_client, 0) != 0) == (mps != 0);
}

/* the NVML two-call convention: *infoCount too small (0 included) -> INSUFFICIENT_SIZE with the
 * required count; SUCCESS with 0 when nothing runs; infos may be NULL when *infoCount is 0 */
static nvmlReturn_t running_processes(nvmlDevice_t device, unsigned int *infoCount, void *infos, int v1, int mps) {
    struct nvmlDevice_st *d = NULL;
    nvmlReturn_t r = dev_begin(device, &d, 1);
    if (r != NVML_SUCCESS) {
        return r;
    }
    NOT_NULL(infoCount);
    if (aggregate_refused(d)) {
        return NVML_ERROR_NO_PERMISSION;
    }
    unsigned int n = 0;
    for (unsigned i = 0; i < g_fake.nprocs; i++) {
        n += (unsigned int)proc_listed(&g_fake.procs[i], d, mps);
    }
    if (*infoCount < n) {
        *infoCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    if (n > 0 && infos == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    unsigned int k = 0;
    for (unsigned i = 0; i < g_fake.nprocs; i++) {
        const fake_proc_t *p = &g_fake.procs[i];
        if (!proc_listed(p, d, mps)) {
            continue;
        }
        unsigned long long mem = num_or(&p->used_memory, 0);
        if (v1) {
            nvmlProcessInfo_v1_t *out = (nvmlProcessInfo_v1_t *)infos + k;
            memset(out, 0, sizeof *out);
            out->pid = p->pid;
            out->usedGpuMemory = mem;
        } else {
            nvmlProcessInfo_t *out = (nvmlProcessInfo_t *)infos + k;
            memset(out, 0, sizeof *out);
            out->pid = p->pid;
            out->usedGpuMemory = mem;
            out->gpuInstanceId = proc_gi(p);
            out->computeInstanceId = proc_ci(p);
        }
        k++;
    }
    *infoCount = n;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount,
                                                  nvmlProcessInfo_v1_t *infos) {
    ENTER();
    return running_processes(device, infoCount, infos, 1, 0);
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                     nvmlProcessInfo_t *infos) {
    ENTER();
    return running_processes(device, infoCount, infos, 0, 0);
}

nvmlReturn_t nvmlDeviceGetMPSComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                        nvmlProcessInfo_t *infos) {
    ENTER();
    return running_processes(device, infoCount, infos, 0, 1);
}
#endif

/* A process has a utilization sample when the scenario gives it any non-zero utilization
 * (NVML only reports processes that were busy during the last sample period). */
static int proc_has_sample(const fake_proc_t *p, const struct nvmlDevice_st *g) {
    if (p->gpu.u != g->index) {
        return 0;
    }
    return num_or(&p->sm_util, 0) + num_or(&p->mem_util, 0) + num_or(&p->enc_util, 0) + num_or(&p->dec_util, 0) +
               num_or(&p->jpg_util, 0) + num_or(&p->ofa_util, 0) >
           0;
}

/* A process's samples carry their own CPU timestamps, as a real driver's do (go-nvml#51, nvtop#110: the
 * pids of one answer have different times, in no order): its newest sample was recorded sample_age_us
 * (default 0) before the GPU's sample clock, and with previous_sm_util it has one more sample, 1 ms older,
 * listed after the newest. */
#define OLDER_SAMPLE_GAP_US 1000ull

static unsigned long long sample_span_us(const struct nvmlDevice_st *g) {
    unsigned long long span = 0;
    for (unsigned i = 0; i < g_fake.nprocs; i++) {
        const fake_proc_t *p = &g_fake.procs[i];
        if (proc_has_sample(p, g)) {
            unsigned long long age =
                num_or(&p->sample_age_us, 0) + (p->previous_sm_util.set ? OLDER_SAMPLE_GAP_US : 0);
            span = age > span ? age : span;
        }
    }
    return span + 1;
}

/* The GPU's sample clock (CPU time, us): the time of the latest sampling window. A new window (a strictly
 * larger time) begins when the GPU was queried by any other call since the last process-utilization read,
 * or when process_util_period_ms (default 1000) has elapsed. A new window starts at least the spread of
 * the processes' sample ages after the previous one, so every sample of a new window is newer than every
 * sample of the previous one, as the driver's windows do not overlap. So a collector that passes the
 * newest timestamp it saw gets every busy process's fresh sample every cycle, and two back-to-back reads
 * get NOT_FOUND the second time. */
static unsigned long long util_sample_ts(struct nvmlDevice_st *g) {
    unsigned long long now = now_us();
    unsigned long long period_us = num_or(&g->util_period_ms, DEFAULT_UTIL_PERIOD_MS) * 1000ull;
    unsigned long long span = sample_span_us(g);
    pthread_mutex_lock(&g_mu);
    int dirty = atomic_exchange(&g->util_dirty, 0);
    if (g->util_ts == 0 || dirty || now >= g->util_ts + period_us) {
        g->util_ts = now > g->util_ts + span ? now : g->util_ts + span;
    }
    unsigned long long ts = g->util_ts;
    pthread_mutex_unlock(&g_mu);
    return ts;
}

typedef struct {
    unsigned int pid;
    unsigned long long ts;
    unsigned int sm, mem, enc, dec, jpg, ofa;
} fake_sample_t;

/* "Return only samples with timestamp greater than lastSeenTimeStamp": the samples of the current window
 * newer than lastSeen, up to cap of them into out (which may be NULL); returns how many there are. */
static unsigned int util_samples(struct nvmlDevice_st *g, unsigned long long lastSeen, fake_sample_t *out,
                                 unsigned int cap) {
    unsigned long long clock = util_sample_ts(g);
    unsigned int n = 0;
    for (unsigned i = 0; i < g_fake.nprocs; i++) {
        const fake_proc_t *p = &g_fake.procs[i];
        if (!proc_has_sample(p, g)) {
            continue;
        }
        unsigned long long newest = clock - num_or(&p->sample_age_us, 0);
        for (int older = 0; older <= (p->previous_sm_util.set ? 1 : 0); older++) {
            unsigned long long ts = newest - (older ? OLDER_SAMPLE_GAP_US : 0);
            if (ts <= lastSeen) {
                continue;
            }
            if (out != NULL && n < cap) {
                fake_sample_t *s = &out[n];
                s->pid = p->pid;
                s->ts = ts;
                s->sm = (unsigned int)num_or(older ? &p->previous_sm_util : &p->sm_util, 0);
                s->mem = (unsigned int)num_or(&p->mem_util, 0);
                s->enc = (unsigned int)num_or(&p->enc_util, 0);
                s->dec = (unsigned int)num_or(&p->dec_util, 0);
                s->jpg = (unsigned int)num_or(&p->jpg_util, 0);
                s->ofa = (unsigned int)num_or(&p->ofa_util, 0);
            }
            n++;
        }
    }
    return n;
}

#define FAKE_MAX_SAMPLES (2 * FAKE_MAX_PROCS)

nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization,
                                             unsigned int *processSamplesCount, unsigned long long lastSeenTimeStamp) {
    struct nvmlDevice_st *d = NULL;
    ENTER();
    nvmlReturn_t r = dev_begin(device, &d, 0);
    if (r != NVML_SUCCESS) {
        return r;
    }
    NOT_NULL(processSamplesCount);
    if (d->is_mig || mig_enabled(d)) {
        return NVML_ERROR_NOT_SUPPORTED; /* "On MIG-enabled GPUs, querying process utilization is not supported" */
    }
    fake_sample_t samples[FAKE_MAX_SAMPLES];
    unsigned int n = util_samples(d, lastSeenTimeStamp, samples, FAKE_MAX_SAMPLES);
    if (utilization == NULL) { /* sizing call */
        *processSamplesCount = n;
        return n > 0 ? NVML_ERROR_INSUFFICIENT_SIZE : NVML_SUCCESS;
    }
    if (n == 0) {
        *processSamplesCount = 0;
        return NVML_ERROR_NOT_FOUND;
    }
    if (*processSamplesCount < n) {
        *processSamplesCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    for (unsigned int k = 0; k < n; k++) {
        nvmlProcessUtilizationSample_t *s = &utilization[k];
        memset(s, 0, sizeof *s);
        s->pid = samples[k].pid;
        s->timeStamp = samples[k].ts;
        s->smUtil = samples[k].sm;
        s->memUtil = samples[k].mem;
        s->encUtil = samples[k].enc;
        s->decUtil = samples[k].dec;
    }
    *processSamplesCount = n;
    return NVML_SUCCESS;
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetProcessesUtilizationInfo(nvmlDevice_t device, nvmlProcessesUtilizationInfo_t *info) {
    struct nvmlDevice_st *d = NULL;
    ENTER();
    nvmlReturn_t r = dev_begin(device, &d, 0);
    if (r != NVML_SUCCESS) {
        return r;
    }
    NOT_NULL(info);
    if (info->version != nvmlProcessesUtilizationInfo_v1) {
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    if (d->is_mig || mig_enabled(d)) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    fake_sample_t samples[FAKE_MAX_SAMPLES];
    unsigned int n = util_samples(d, info->lastSeenTimeStamp, samples, FAKE_MAX_SAMPLES);
    if (n == 0) {
        info->processSamplesCount = 0;
        return NVML_ERROR_NOT_FOUND;
    }
    if (info->procUtilArray == NULL || info->processSamplesCount < n) {
        info->processSamplesCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    for (unsigned int k = 0; k < n; k++) {
        nvmlProcessUtilizationInfo_v1_t *s = &info->procUtilArray[k];
        memset(s, 0, sizeof *s);
        s->timeStamp = samples[k].ts;
        s->pid = samples[k].pid;
        s->smUtil = samples[k].sm;
        s->memUtil = samples[k].mem;
        s->encUtil = samples[k].enc;
        s->decUtil = samples[k].dec;
        s->jpgUtil = samples[k].jpg;
        s->ofaUtil = samples[k].ofa;
    }
    info->processSamplesCount = n;
    return NVML_SUCCESS;
}
#endif

/* ------------------------------------------------------------------------------------------------ */
/* MIG                                                                                              */

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode) {
    DEVICE_CALL(device, d);
    if (currentMode == NULL || pendingMode == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    PHYSICAL_ONLY(d);
    unsigned int cur = 0;
    nvmlReturn_t r = val_u32(&d->mig_mode, &cur);
    if (r == NVML_SUCCESS) {
        *currentMode = cur;
        *pendingMode = d->mig_pending.set ? (unsigned int)num_or(&d->mig_pending, cur) : cur;
    }
    return r;
}

nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count) {
    DEVICE_CALL(device, d);
    if (count == NULL || d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    unsigned long long n = 0;
    nvmlReturn_t r = val_or(&d->max_mig, 0, &n); /* "Returns zero if MIG is not supported or enabled" */
    if (r == NVML_SUCCESS) {
        *count = (unsigned int)n;
    }
    return r;
}

nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index, nvmlDevice_t *migDevice) {
    DEVICE_CALL(device, d);
    if (migDevice == NULL || d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (!mig_enabled(d)) {
        return d->mig_mode.set && d->mig_mode.err ? d->mig_mode.err : NVML_ERROR_NOT_SUPPORTED;
    }
    if (index >= num_or(&d->max_mig, 0) || index >= FAKE_MAX_MIG) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    struct nvmlDevice_st *m = &g_fake.migs[d->index][index];
    if (!m->present) {
        return NVML_ERROR_NOT_FOUND;
    }
    *migDevice = m;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *isMigDevice) {
    DEVICE_CALL(device, d);
    NOT_NULL(isMigDevice);
    *isMigDevice = (unsigned int)d->is_mig;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id) {
    DEVICE_CALL(device, d);
    if (id == NULL || !d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    return val_u32(&d->gi_id, id);
}

nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id) {
    DEVICE_CALL(device, d);
    if (id == NULL || !d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    return val_u32(&d->ci_id, id);
}

nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice, nvmlDevice_t *device) {
    DEVICE_CALL(migDevice, d);
    if (device == NULL || !d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *device = d->parent;
    return NVML_SUCCESS;
}

/* "<c>c.<g>g.<mem>gb" or "<g>g.<mem>gb[+me]": GPU-instance and compute-instance slice counts */
static void profile_slices(const struct nvmlDevice_st *d, unsigned int *gi, unsigned int *ci) {
    unsigned int a = 0, b = 0;
    *gi = *ci = 0;
    if (!d->profile.set || d->profile.err) {
        return;
    }
    if (sscanf(d->profile.s, "%uc.%ug.", &a, &b) == 2) {
        *ci = a;
        *gi = b;
    } else if (sscanf(d->profile.s, "%ug.", &a) == 1) {
        *gi = *ci = a;
    }
}

nvmlReturn_t nvmlDeviceGetAttributes_v2(nvmlDevice_t device, nvmlDeviceAttributes_t *attributes) {
    DEVICE_CALL(device, d);
    NOT_NULL(attributes);
    if (!d->is_mig) {
        return NVML_ERROR_NOT_SUPPORTED; /* "currently only supports MIG device handles" */
    }
    unsigned int gi = 0, ci = 0;
    profile_slices(d, &gi, &ci);
    gi = (unsigned int)num_or(&d->gi_slices, gi);
    ci = (unsigned int)num_or(&d->ci_slices, ci);
    memset(attributes, 0, sizeof *attributes);
    attributes->multiprocessorCount = (unsigned int)num_or(&d->sm_count, 0);
    attributes->sharedCopyEngineCount = (unsigned int)num_or(&d->ce_count, gi);
    attributes->sharedDecoderCount = (unsigned int)num_or(&d->dec_count, gi);
    attributes->sharedEncoderCount = (unsigned int)num_or(&d->enc_count, 0);
    attributes->sharedJpegCount = (unsigned int)num_or(&d->jpg_count, gi);
    attributes->sharedOfaCount = (unsigned int)num_or(&d->ofa_count, gi == 7 ? 1 : 0);
    attributes->gpuInstanceSliceCount = gi;
    attributes->computeInstanceSliceCount = ci;
    attributes->memorySizeMB = num_or(&d->mem_total, 0) >> 20;
    return NVML_SUCCESS;
}

static struct nvmlDevice_st *mig_by_gi(struct nvmlDevice_st *g, unsigned int gi) {
    for (unsigned m = 0; m < FAKE_MAX_MIG; m++) {
        struct nvmlDevice_st *d = &g_fake.migs[g->index][m];
        if (d->present && num_or(&d->gi_id, NOT_MIG_ID) == gi) {
            return d;
        }
    }
    return NULL;
}

nvmlReturn_t nvmlDeviceGetGpuInstanceById(nvmlDevice_t device, unsigned int id, nvmlGpuInstance_t *gpuInstance) {
    DEVICE_CALL(device, d);
    if (gpuInstance == NULL || d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (!mig_enabled(d)) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    struct nvmlDevice_st *m = mig_by_gi(d, id);
    if (m == NULL) {
        return NVML_ERROR_NOT_FOUND;
    }
    *gpuInstance = &g_fake.gis[d->index][m->index];
    return NVML_SUCCESS;
}

/* NVML_GPU_INSTANCE_PROFILE_* for the usual profile names (profile_id overrides) */
static unsigned int profile_id(const struct nvmlDevice_st *d) {
    unsigned int gi = 0, ci = 0;
    profile_slices(d, &gi, &ci);
    if (gi == 1 && strstr(d->profile.s, "+me") != NULL) {
        return 7; /* 1_SLICE_REV1 */
    }
    switch (gi) {
    case 1: return 0;
    case 2: return 1;
    case 3: return 2;
    case 4: return 3;
    case 7: return 4;
    case 8: return 5;
    case 6: return 6;
    default: return 0;
    }
}

nvmlReturn_t nvmlGpuInstanceGetInfo(nvmlGpuInstance_t gpuInstance, nvmlGpuInstanceInfo_t *info) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    uintptr_t p = (uintptr_t)gpuInstance, b = (uintptr_t)&g_fake.gis[0][0];
    if (p < b || p >= b + sizeof g_fake.gis || (p - b) % sizeof(struct nvmlGpuInstance_st) != 0 ||
        gpuInstance->mig == NULL || info == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    struct nvmlDevice_st *m = gpuInstance->mig;
    if (gpu_lost(m->parent->index)) {
        return NVML_ERROR_GPU_IS_LOST;
    }
    unsigned int gi = 0, ci = 0;
    profile_slices(m, &gi, &ci);
    memset(info, 0, sizeof *info);
    info->device = m->parent;
    info->id = (unsigned int)num_or(&m->gi_id, 0);
    info->profileId = (unsigned int)num_or(&m->profile_id, profile_id(m));
    info->placement.start = (unsigned int)num_or(&m->placement_start, 0);
    info->placement.size = (unsigned int)num_or(&m->placement_size, gi);
    return NVML_SUCCESS;
}

/* ------------------------------------------------------------------------------------------------ */
/* field values                                                                                     */

static void field_u(nvmlFieldValue_t *v, nvmlReturn_t r, unsigned long long x, nvmlValueType_t type) {
    v->nvmlReturn = r;
    v->valueType = type;
    if (r == NVML_SUCCESS) {
        if (type == NVML_VALUE_TYPE_UNSIGNED_INT) {
            v->value.uiVal = (unsigned int)x;
        } else {
            v->value.ullVal = x;
        }
    }
}

nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values) {
    DEVICE_CALL(device, d);
    if (values == NULL || valuesCount < 0) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    long long ts = (long long)now_us();
    unsigned long long nvlink_read = ULLONG_MAX; /* taken once per call, on the first NVLink counter */
    for (int i = 0; i < valuesCount; i++) {
        nvmlFieldValue_t *v = &values[i];
        v->timestamp = ts;
        v->latencyUsec = 0;
        memset(&v->value, 0, sizeof v->value);
        unsigned long long x = 0;
        nvmlReturn_t r;
        if (d->is_mig) {
            field_u(v, NVML_ERROR_NOT_SUPPORTED, 0, NVML_VALUE_TYPE_UNSIGNED_INT);
            continue;
        }
        switch (v->fieldId) {
        case NVML_FI_DEV_MEMORY_TEMP:
            r = val(&d->temp_mem, &x);
            field_u(v, r, x, NVML_VALUE_TYPE_UNSIGNED_INT);
            break;
        case NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION:
            r = read_energy(d, &x);
            field_u(v, r, x, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG);
            break;
        case NVML_FI_DEV_NVLINK_LINK_COUNT:
            r = mig_enabled(d) ? NVML_ERROR_NOT_SUPPORTED : val_or(&d->nvlink_links, 0, &x);
            field_u(v, r, x, NVML_VALUE_TYPE_UNSIGNED_INT);
            break;
        case NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX:
        case NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_RX:
        case NVML_FI_DEV_NVLINK_COUNT_XMIT_BYTES:
        case NVML_FI_DEV_NVLINK_COUNT_RCV_BYTES: {
            /* cumulative KiB per link: base + link * 1000 + reads * step; UINT_MAX = sum over links. An
             * NVLink5 GPU (nvlink5 = 1) answers the byte counters 202/204 (the same traffic, in bytes)
             * instead of 138/139; any other GPU answers 202/204 NOT_SUPPORTED. */
            int nvlink5_field = v->fieldId == NVML_FI_DEV_NVLINK_COUNT_XMIT_BYTES ||
                                v->fieldId == NVML_FI_DEV_NVLINK_COUNT_RCV_BYTES;
            int tx = v->fieldId == NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX ||
                     v->fieldId == NVML_FI_DEV_NVLINK_COUNT_XMIT_BYTES;
            unsigned long long links = 0, base = 0;
            r = mig_enabled(d) ? NVML_ERROR_NOT_SUPPORTED : val_or(&d->nvlink_links, 0, &links);
            if (r == NVML_SUCCESS && links == 0) {
                r = NVML_ERROR_NOT_SUPPORTED;
            }
            if (r == NVML_SUCCESS && (num_or(&d->nvlink5, 0) != 0) != nvlink5_field) {
                r = NVML_ERROR_NOT_SUPPORTED;
            }
            if (r == NVML_SUCCESS) {
                r = val(tx ? &d->nvlink_tx : &d->nvlink_rx, &base);
            }
            if (r == NVML_SUCCESS && atomic_load(&d->counters_reset)) {
                base = 0;
            }
            if (r == NVML_SUCCESS && v->scopeId != UINT_MAX && v->scopeId >= links) {
                r = NVML_ERROR_INVALID_ARGUMENT;
            }
            if (r == NVML_SUCCESS) {
                if (nvlink_read == ULLONG_MAX) {
                    nvlink_read = atomic_fetch_add(&d->nvlink_reads, 1ull);
                }
                unsigned long long per_read = nvlink_read * num_or(&d->nvlink_step, 0);
                if (v->scopeId == UINT_MAX) {
                    x = links * (base + per_read) + 1000ull * (links * (links - 1) / 2);
                } else {
                    x = base + 1000ull * v->scopeId + per_read;
                }
                if (nvlink5_field) {
                    x *= 1024ull;
                }
            }
            field_u(v, r, x, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG);
            break;
        }
        default:
            field_u(v, NVML_ERROR_NOT_SUPPORTED, 0, NVML_VALUE_TYPE_UNSIGNED_INT);
            break;
        }
    }
    return NVML_SUCCESS;
}

/* ------------------------------------------------------------------------------------------------ */
/* GPM (Hopper+)                                                                                    */

#ifndef FAKE_NVML_OLD_DRIVER

#define GPM_SAMPLE_MAGIC 0x47504d53u /* "GPMS" */

struct nvmlGpmSample_st {
    unsigned int magic;
    int filled;
    struct nvmlDevice_st *gpu; /* physical GPU */
    unsigned int gi;           /* GPU instance id, or NOT_MIG_ID for the whole GPU */
    struct nvmlDevice_st *src; /* where the metric values come from (GPU or MIG device) */
    struct timespec taken;     /* CLOCK_MONOTONIC */
};

static const struct {
    unsigned int id;
    int slot;
} GPM_METRICS[] = {
    {NVML_GPM_METRIC_GRAPHICS_UTIL, GPM_GRAPHICS_UTIL},
    {NVML_GPM_METRIC_SM_UTIL, GPM_SM_UTIL},
    {NVML_GPM_METRIC_SM_OCCUPANCY, GPM_SM_OCCUPANCY},
    {NVML_GPM_METRIC_ANY_TENSOR_UTIL, GPM_TENSOR_UTIL},
    {NVML_GPM_METRIC_DRAM_BW_UTIL, GPM_DRAM_UTIL},
    {NVML_GPM_METRIC_FP64_UTIL, GPM_FP64_UTIL},
    {NVML_GPM_METRIC_FP32_UTIL, GPM_FP32_UTIL},
    {NVML_GPM_METRIC_FP16_UTIL, GPM_FP16_UTIL},
    {NVML_GPM_METRIC_PCIE_TX_PER_SEC, GPM_PCIE_TX},
    {NVML_GPM_METRIC_PCIE_RX_PER_SEC, GPM_PCIE_RX},
    {NVML_GPM_METRIC_NVLINK_TOTAL_RX_PER_SEC, GPM_NVLINK_RX},
    {NVML_GPM_METRIC_NVLINK_TOTAL_TX_PER_SEC, GPM_NVLINK_TX},
};

/* Every sample handed out, live or freed. Freed ones keep their memory (a few bytes each), so a stale
 * handle is recognised by its address alone, never dereferenced, and never reused by a later alloc. */
#define GPM_MAX_SAMPLES 4096
static pthread_mutex_t g_samples_mu = PTHREAD_MUTEX_INITIALIZER;
static struct nvmlGpmSample_st *g_samples[GPM_MAX_SAMPLES];
static unsigned int g_nsamples;


static int sample_live_locked(const struct nvmlGpmSample_st *s) {
    for (unsigned int i = 0; i < g_nsamples; i++) {
        if (g_samples[i] == s) {
            return s->magic == GPM_SAMPLE_MAGIC;
        }
    }
    return 0;
}

static int sample_ok(const struct nvmlGpmSample_st *s) {
    if (s == NULL) {
        return 0;
    }
    pthread_mutex_lock(&g_samples_mu);
    int live = sample_live_locked(s);
    pthread_mutex_unlock(&g_samples_mu);
    if (!live) {
        misuse("a GPM call was given a sample that is not allocated (freed, or never allocated)");
    }
    return live;
}

static nvmlReturn_t gpm_support(struct nvmlDevice_st *g) {
    unsigned long long on = 0;
    nvmlReturn_t r = val_or(&g->gpm_supported, 0, &on);
    if (r != NVML_SUCCESS) {
        return r;
    }
    return on ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED;
}

static void sample_fill(struct nvmlGpmSample_st *s, struct nvmlDevice_st *gpu, unsigned int gi,
                        struct nvmlDevice_st *src) {
    s->gpu = gpu;
    s->gi = gi;
    s->src = src;
    clock_gettime(CLOCK_MONOTONIC, &s->taken);
    s->filled = 1;
}

nvmlReturn_t nvmlGpmQueryDeviceSupport(nvmlDevice_t device, nvmlGpmSupport_t *gpmSupport) {
    DEVICE_CALL(device, d);
    NOT_NULL(gpmSupport);
    if (gpmSupport->version != NVML_GPM_SUPPORT_VERSION) {
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    unsigned long long on = 0;
    nvmlReturn_t r = val_or(&phys(d)->gpm_supported, 0, &on);
    if (r == NVML_SUCCESS) {
        gpmSupport->isSupportedDevice = on ? 1u : 0u;
    }
    return r;
}

nvmlReturn_t nvmlGpmSampleAlloc(nvmlGpmSample_t *gpmSample) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    NOT_NULL(gpmSample);
    pthread_mutex_lock(&g_samples_mu);
    struct nvmlGpmSample_st *s = g_nsamples < GPM_MAX_SAMPLES ? calloc(1, sizeof *s) : NULL;
    if (s == NULL) {
        pthread_mutex_unlock(&g_samples_mu);
        return NVML_ERROR_MEMORY;
    }
    s->magic = GPM_SAMPLE_MAGIC;
    g_samples[g_nsamples++] = s;
    pthread_mutex_unlock(&g_samples_mu);
    *gpmSample = s;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlGpmSampleFree(nvmlGpmSample_t gpmSample) {
    ENTER();
    if (!sample_ok(gpmSample)) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (atomic_load(&g_blocked) > 0) {
        misuse("nvmlGpmSampleFree while a call is blocked in the driver (it may hold this sample)");
    }
    pthread_mutex_lock(&g_samples_mu);
    gpmSample->magic = 0; /* kept in g_samples, so the address stays recognisably freed */
    pthread_mutex_unlock(&g_samples_mu);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlGpmSampleGet(nvmlDevice_t device, nvmlGpmSample_t gpmSample) {
    DEVICE_CALL(device, d);
    if (!sample_ok(gpmSample)) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    struct nvmlDevice_st *g = phys(d);
    nvmlReturn_t r = gpm_support(g);
    if (r != NVML_SUCCESS) {
        return r;
    }
    sample_fill(gpmSample, g, d->is_mig ? (unsigned int)num_or(&d->gi_id, NOT_MIG_ID) : NOT_MIG_ID, d);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlGpmMigSampleGet(nvmlDevice_t device, unsigned int gpuInstanceId, nvmlGpmSample_t gpmSample) {
    DEVICE_CALL(device, d);
    if (!sample_ok(gpmSample) || d->is_mig) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    nvmlReturn_t r = gpm_support(d);
    if (r != NVML_SUCCESS) {
        return r;
    }
    if (!mig_enabled(d)) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    struct nvmlDevice_st *m = mig_by_gi(d, gpuInstanceId);
    if (m == NULL) {
        return NVML_ERROR_NOT_FOUND;
    }
    sample_fill(gpmSample, d, gpuInstanceId, m);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlGpmMetricsGet(nvmlGpmMetricsGet_t *metricsGet) {
    ENTER();
    if (!INITIALIZED()) {
        return NVML_ERROR_UNINITIALIZED;
    }
    NOT_NULL(metricsGet);
    if (metricsGet->version != NVML_GPM_METRICS_GET_VERSION) {
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    if (metricsGet->numMetrics > NVML_GPM_METRIC_MAX) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    struct nvmlGpmSample_st *s1 = metricsGet->sample1, *s2 = metricsGet->sample2;
    if (!sample_ok(s1) || !sample_ok(s2) || !s1->filled || !s2->filled || s1 == s2) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (s1->gpu != s2->gpu || s1->gi != s2->gi) {
        return NVML_ERROR_INVALID_ARGUMENT; /* samples of different devices / GPU instances */
    }
    long long dt = (long long)(s2->taken.tv_sec - s1->taken.tv_sec) * 1000000000ll +
                   (long long)(s2->taken.tv_nsec - s1->taken.tv_nsec);
    if (dt < GPM_MIN_INTERVAL_NS) {
        return NVML_ERROR_INVALID_ARGUMENT; /* second sample must be taken >= 100 ms after the first */
    }
    if (gpu_lost(s2->gpu->index)) {
        return NVML_ERROR_GPU_IS_LOST;
    }
    /* touch only metrics[0 .. numMetrics-1]: callers may size the array for an older NVML_GPM_METRIC_MAX */
    for (unsigned int i = 0; i < metricsGet->numMetrics; i++) {
        nvmlGpmMetric_t *m = &metricsGet->metrics[i];
        m->value = 0.0;
        m->metricInfo.shortName = NULL;
        m->metricInfo.longName = NULL;
        m->metricInfo.unit = NULL;
        m->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        for (size_t k = 0; k < sizeof GPM_METRICS / sizeof GPM_METRICS[0]; k++) {
            if (GPM_METRICS[k].id != m->metricId) {
                continue;
            }
            const fval_t *v = &s2->src->gpm[GPM_METRICS[k].slot];
            if (v->set && v->err) {
                m->nvmlReturn = v->err;
            } else if (v->set) {
                m->nvmlReturn = NVML_SUCCESS;
                m->value = v->d;
            }
            break;
        }
    }
    return NVML_SUCCESS;
}

#endif /* !FAKE_NVML_OLD_DRIVER */

/* ------------------------------------------------------------------------------------------------ */
/* test hooks                                                                                       */

unsigned long long fakeNvmlCallCount(void) {
    return atomic_load(&g_calls);
}

void fakeNvmlResetCallCount(void) {
    atomic_store(&g_calls, 0ull);
}

/* One blocked call at a time: armed by fakeNvmlBlockNext, the next call of the symbol waits on g_block_cv. */
static pthread_mutex_t g_block_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_block_cv = PTHREAD_COND_INITIALIZER;
static atomic_int g_block_watching;   /* a symbol is watched (counted, maybe blocked) */
static char g_block_symbol[128];
static int g_block_pending;           /* the next call of g_block_symbol is to block */
static int g_block_released;
static unsigned int g_block_timeout_ms;
static atomic_ullong g_watched_calls;

static void block_point(const char *symbol) {
    if (!atomic_load_explicit(&g_block_watching, memory_order_acquire)) {
        return;
    }
    pthread_mutex_lock(&g_block_mu);
    if (strcmp(symbol, g_block_symbol) == 0) {
        atomic_fetch_add(&g_watched_calls, 1ull);
        if (g_block_pending) {
            g_block_pending = 0;
            atomic_fetch_add(&g_blocked, 1);
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += g_block_timeout_ms / 1000u;
            deadline.tv_nsec += (long)(g_block_timeout_ms % 1000u) * 1000000L;
            if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec += 1;
                deadline.tv_nsec -= 1000000000L;
            }
            while (!g_block_released) {
                if (pthread_cond_timedwait(&g_block_cv, &g_block_mu, &deadline) == ETIMEDOUT) {
                    fprintf(stderr, "fake-nvml: %s was blocked %u ms without fakeNvmlRelease; returning\n",
                            symbol, g_block_timeout_ms);
                    break;
                }
            }
            atomic_fetch_sub(&g_blocked, 1);
        }
    }
    pthread_mutex_unlock(&g_block_mu);
}

void fakeNvmlBlockNext(const char *symbol, unsigned int timeout_ms) {
    pthread_mutex_lock(&g_block_mu);
    snprintf(g_block_symbol, sizeof g_block_symbol, "%s", symbol ? symbol : "");
    g_block_timeout_ms = timeout_ms;
    g_block_pending = 1;
    g_block_released = 0;
    atomic_store(&g_watched_calls, 0ull);
    atomic_store_explicit(&g_block_watching, 1, memory_order_release);
    pthread_mutex_unlock(&g_block_mu);
}

void fakeNvmlRelease(void) {
    pthread_mutex_lock(&g_block_mu);
    g_block_pending = 0;
    g_block_released = 1;
    pthread_cond_broadcast(&g_block_cv);
    pthread_mutex_unlock(&g_block_mu);
}

int fakeNvmlBlockedCalls(void) {
    return atomic_load(&g_blocked);
}

unsigned long long fakeNvmlWatchedCalls(void) {
    return atomic_load(&g_watched_calls);
}

void fakeNvmlResetCounters(unsigned int index) {
    if (index < g_fake.ngpus) {
        struct nvmlDevice_st *g = &g_fake.gpus[index];
        atomic_store(&g->counters_reset, 1);
        atomic_store(&g->energy_reads, 0ull);
        atomic_store(&g->nvlink_reads, 0ull);
    }
}

unsigned long long fakeNvmlMisuses(void) {
    return atomic_load(&g_misuses);
}
