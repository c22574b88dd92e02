/*
 * Scenario file reader for the fake libnvidia-ml.so.1 (format: gpu/src/test/resources/nvml/README.md).
 *
 *   [system]            driver / NVML / CUDA versions
 *   [gpu N]             physical GPU N (indices 0..n-1, no gaps)
 *   [mig P.M]           MIG device M (0-based slot) on GPU P
 *   [process PID]       a compute process on one GPU (repeat the section for a multi-GPU process)
 *
 * Unknown sections or keys are errors: a typo in a scenario must not silently become NOT_SUPPORTED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_nvml_internal.h"

static const struct {
    const char *name;
    nvmlReturn_t code;
} ERROR_NAMES[] = {
    {"UNINITIALIZED", NVML_ERROR_UNINITIALIZED},
    {"INVALID_ARGUMENT", NVML_ERROR_INVALID_ARGUMENT},
    {"NOT_SUPPORTED", NVML_ERROR_NOT_SUPPORTED},
    {"NO_PERMISSION", NVML_ERROR_NO_PERMISSION},
    {"ALREADY_INITIALIZED", NVML_ERROR_ALREADY_INITIALIZED},
    {"NOT_FOUND", NVML_ERROR_NOT_FOUND},
    {"INSUFFICIENT_SIZE", NVML_ERROR_INSUFFICIENT_SIZE},
    {"INSUFFICIENT_POWER", NVML_ERROR_INSUFFICIENT_POWER},
    {"DRIVER_NOT_LOADED", NVML_ERROR_DRIVER_NOT_LOADED},
    {"TIMEOUT", NVML_ERROR_TIMEOUT},
    {"IRQ_ISSUE", NVML_ERROR_IRQ_ISSUE},
    {"LIBRARY_NOT_FOUND", NVML_ERROR_LIBRARY_NOT_FOUND},
    {"FUNCTION_NOT_FOUND", NVML_ERROR_FUNCTION_NOT_FOUND},
    {"CORRUPTED_INFOROM", NVML_ERROR_CORRUPTED_INFOROM},
    {"GPU_IS_LOST", NVML_ERROR_GPU_IS_LOST},
    {"RESET_REQUIRED", NVML_ERROR_RESET_REQUIRED},
    {"OPERATING_SYSTEM", NVML_ERROR_OPERATING_SYSTEM},
    {"LIB_RM_VERSION_MISMATCH", NVML_ERROR_LIB_RM_VERSION_MISMATCH},
    {"IN_USE", NVML_ERROR_IN_USE},
    {"MEMORY", NVML_ERROR_MEMORY},
    {"NO_DATA", NVML_ERROR_NO_DATA},
    {"VGPU_ECC_NOT_SUPPORTED", NVML_ERROR_VGPU_ECC_NOT_SUPPORTED},
    {"INSUFFICIENT_RESOURCES", NVML_ERROR_INSUFFICIENT_RESOURCES},
    {"FREQ_NOT_SUPPORTED", NVML_ERROR_FREQ_NOT_SUPPORTED},
    {"ARGUMENT_VERSION_MISMATCH", NVML_ERROR_ARGUMENT_VERSION_MISMATCH},
    {"DEPRECATED", NVML_ERROR_DEPRECATED},
    {"NOT_READY", NVML_ERROR_NOT_READY},
    {"GPU_NOT_FOUND", NVML_ERROR_GPU_NOT_FOUND},
    {"INVALID_STATE", NVML_ERROR_INVALID_STATE},
    {"RESET_TYPE_NOT_SUPPORTED", NVML_ERROR_RESET_TYPE_NOT_SUPPORTED},
    {"UNKNOWN", NVML_ERROR_UNKNOWN},
};

nvmlReturn_t fake_error_by_name(const char *s) {
    if (strncmp(s, "NVML_ERROR_", 11) == 0) {
        s += 11;
    }
    for (size_t i = 0; i < sizeof ERROR_NAMES / sizeof ERROR_NAMES[0]; i++) {
        if (strcmp(s, ERROR_NAMES[i].name) == 0) {
            return ERROR_NAMES[i].code;
        }
    }
    return NVML_SUCCESS;
}

/* ---- key tables ---- */

enum { SEC_NONE = 0, SEC_SYSTEM = 1, SEC_GPU = 2, SEC_MIG = 4, SEC_PROC = 8 };
enum { K_VAL, K_STR };

typedef struct {
    const char *key;
    int sections;
    int kind;
    size_t off;
} keydef_t;

#define DEV_V(k, f, s) {k, s, K_VAL, offsetof(struct nvmlDevice_st, f)}
#define DEV_S(k, f, s) {k, s, K_STR, offsetof(struct nvmlDevice_st, f)}
#define BOTH (SEC_GPU | SEC_MIG)

static const keydef_t DEVICE_KEYS[] = {
    DEV_S("name", name, BOTH),
    DEV_S("uuid", uuid, BOTH),
    DEV_S("serial", serial, SEC_GPU),
    DEV_S("pci_bus_id", pci_bus_id, SEC_GPU),
    DEV_V("pci_device_id", pci_device_id, SEC_GPU),
    DEV_V("pci_subsystem_id", pci_subsystem_id, SEC_GPU),
    DEV_V("utilization_gpu", util_gpu, SEC_GPU),
    DEV_V("utilization_memory", util_mem, SEC_GPU),
    DEV_V("memory_total", mem_total, BOTH),
    DEV_V("memory_reserved", mem_reserved, BOTH),
    DEV_V("memory_used", mem_used, BOTH),
    DEV_V("memory_free", mem_free, BOTH),
    DEV_V("temperature_gpu", temp_gpu, SEC_GPU),
    DEV_V("temperature_memory", temp_mem, SEC_GPU),
    DEV_V("power_usage", power_usage, SEC_GPU),
    DEV_V("power_limit", power_limit, SEC_GPU),
    DEV_V("power_management_limit", power_mgmt_limit, SEC_GPU),
    DEV_V("energy", energy, SEC_GPU),
    DEV_V("energy_step", energy_step, SEC_GPU),
    DEV_V("clock_graphics", clock[NVML_CLOCK_GRAPHICS], SEC_GPU),
    DEV_V("clock_sm", clock[NVML_CLOCK_SM], SEC_GPU),
    DEV_V("clock_mem", clock[NVML_CLOCK_MEM], SEC_GPU),
    DEV_V("clock_video", clock[NVML_CLOCK_VIDEO], SEC_GPU),
    DEV_V("clock_max_graphics", clock_max[NVML_CLOCK_GRAPHICS], SEC_GPU),
    DEV_V("clock_max_sm", clock_max[NVML_CLOCK_SM], SEC_GPU),
    DEV_V("clock_max_mem", clock_max[NVML_CLOCK_MEM], SEC_GPU),
    DEV_V("clock_max_video", clock_max[NVML_CLOCK_VIDEO], SEC_GPU),
    DEV_V("pcie_tx", pcie_tx, SEC_GPU),
    DEV_V("pcie_rx", pcie_rx, SEC_GPU),
    DEV_V("pcie_delay_ms", pcie_delay_ms, SEC_GPU),
    DEV_V("encoder_utilization", enc_util, SEC_GPU),
    DEV_V("decoder_utilization", dec_util, SEC_GPU),
    DEV_V("encoder_sampling_period_us", enc_period_us, SEC_GPU),
    DEV_V("decoder_sampling_period_us", dec_period_us, SEC_GPU),
    DEV_V("num_fans", num_fans, SEC_GPU),
    DEV_V("fan_speed", fan_speed, SEC_GPU),
    DEV_V("throttle_reasons", throttle, SEC_GPU),
    DEV_V("mig_mode", mig_mode, SEC_GPU),
    DEV_V("mig_mode_pending", mig_pending, SEC_GPU),
    DEV_V("max_mig_devices", max_mig, SEC_GPU),
    DEV_V("gpm_supported", gpm_supported, SEC_GPU),
    DEV_V("gpm.graphics_util", gpm[GPM_GRAPHICS_UTIL], BOTH),
    DEV_V("gpm.sm_util", gpm[GPM_SM_UTIL], BOTH),
    DEV_V("gpm.sm_occupancy", gpm[GPM_SM_OCCUPANCY], BOTH),
    DEV_V("gpm.tensor_util", gpm[GPM_TENSOR_UTIL], BOTH),
    DEV_V("gpm.dram_util", gpm[GPM_DRAM_UTIL], BOTH),
    DEV_V("gpm.fp64_util", gpm[GPM_FP64_UTIL], BOTH),
    DEV_V("gpm.fp32_util", gpm[GPM_FP32_UTIL], BOTH),
    DEV_V("gpm.fp16_util", gpm[GPM_FP16_UTIL], BOTH),
    DEV_V("gpm.pcie_tx_per_sec", gpm[GPM_PCIE_TX], BOTH),
    DEV_V("gpm.pcie_rx_per_sec", gpm[GPM_PCIE_RX], BOTH),
    DEV_V("gpm.nvlink_rx_per_sec", gpm[GPM_NVLINK_RX], BOTH),
    DEV_V("gpm.nvlink_tx_per_sec", gpm[GPM_NVLINK_TX], BOTH),
    DEV_V("nvlink_links", nvlink_links, SEC_GPU),
    DEV_V("nvlink_tx_kib", nvlink_tx, SEC_GPU),
    DEV_V("nvlink_rx_kib", nvlink_rx, SEC_GPU),
    DEV_V("nvlink_step_kib", nvlink_step, SEC_GPU),
    DEV_V("nvlink5", nvlink5, SEC_GPU),
    DEV_V("memory_info_v2", memory_v2, BOTH),
    DEV_V("process_util_period_ms", util_period_ms, SEC_GPU),
    DEV_V("handle", handle_rc, SEC_GPU),
    /* MIG devices */
    DEV_S("profile", profile, SEC_MIG),
    DEV_V("gpu_instance_id", gi_id, SEC_MIG),
    DEV_V("compute_instance_id", ci_id, SEC_MIG),
    DEV_V("multiprocessor_count", sm_count, SEC_MIG),
    DEV_V("shared_copy_engine_count", ce_count, SEC_MIG),
    DEV_V("shared_decoder_count", dec_count, SEC_MIG),
    DEV_V("shared_encoder_count", enc_count, SEC_MIG),
    DEV_V("shared_jpeg_count", jpg_count, SEC_MIG),
    DEV_V("shared_ofa_count", ofa_count, SEC_MIG),
    DEV_V("gpu_instance_slice_count", gi_slices, SEC_MIG),
    DEV_V("compute_instance_slice_count", ci_slices, SEC_MIG),
    DEV_V("profile_id", profile_id, SEC_MIG),
    DEV_V("placement_start", placement_start, SEC_MIG),
    DEV_V("placement_size", placement_size, SEC_MIG),
};

#define PROC_V(k, f) {k, SEC_PROC, K_VAL, offsetof(fake_proc_t, f)}
static const keydef_t PROC_KEYS[] = {
    PROC_V("gpu", gpu),
    PROC_V("gpu_instance_id", gi_id),
    PROC_V("compute_instance_id", ci_id),
    PROC_V("used_memory", used_memory),
    PROC_V("sm_util", sm_util),
    PROC_V("mem_util", mem_util),
    PROC_V("enc_util", enc_util),
    PROC_V("dec_util", dec_util),
    PROC_V("jpg_util", jpg_util),
    PROC_V("ofa_util", ofa_util),
    PROC_V("sample_age_us", sample_age_us),
    PROC_V("previous_sm_util", previous_sm_util),
    PROC_V("mps_client", mps_client),
};

static const keydef_t SYSTEM_KEYS[] = {
    {"driver_version", SEC_SYSTEM, K_STR, offsetof(fake_state_t, driver_version)},
    {"nvml_version", SEC_SYSTEM, K_STR, offsetof(fake_state_t, nvml_version)},
    {"cuda_driver_version", SEC_SYSTEM, K_VAL, offsetof(fake_state_t, cuda_driver_version)},
    {"libcuda", SEC_SYSTEM, K_VAL, offsetof(fake_state_t, libcuda)},
};

/* ---- helpers ---- */

static const char *g_path;
static int g_line;

__attribute__((format(printf, 1, 2))) static nvmlReturn_t fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fake-nvml: %s:%d: ", g_path, g_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return NVML_ERROR_UNKNOWN;
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
        v->d = (s[0] == '-') ? (double)(long long)u : (double)u;
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

static nvmlReturn_t set_key(const keydef_t *table, size_t n, int section, void *base, const char *key,
                            const char *value) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].key, key) != 0) {
            continue;
        }
        if (!(table[i].sections & section)) {
            return fail("key '%s' is not allowed in this section", key);
        }
        nvmlReturn_t err = fake_error_by_name(value);
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
                return fail("key '%s': '%s' is neither a number nor an NVML error name", key, value);
            }
        }
        return NVML_SUCCESS;
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

static int ival(const fval_t *v, unsigned long long dflt, unsigned long long *out) {
    if (!v->set) {
        *out = dflt;
        return 1;
    }
    if (v->err) {
        return 0;
    }
    *out = v->u;
    return 1;
}

/* ---- validation after the whole file is read ---- */

static nvmlReturn_t validate(void) {
    g_line = 0;
    for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) {
        struct nvmlDevice_st *g = &g_fake.gpus[i];
        if (!g->present) {
            for (unsigned j = i + 1; j < FAKE_MAX_GPUS; j++) {
                if (g_fake.gpus[j].present) {
                    g_line = g_fake.gpus[j].line;
                    return fail("GPU indices must be contiguous: [gpu %u] is missing", i);
                }
            }
            break;
        }
        g_fake.ngpus = i + 1;
        g_line = g->line;
        if (!g->name.set || !g->uuid.set || !g->pci_bus_id.set) {
            return fail("[gpu] needs name, uuid and pci_bus_id");
        }
        unsigned int fn = 0;
        if (g->pci_bus_id.err ||
            sscanf(g->pci_bus_id.s, "%x:%x:%x.%x", &g->pci_domain, &g->pci_bus, &g->pci_dev, &fn) != 4) {
            return fail("pci_bus_id '%s' is not DDDDDDDD:BB:DD.F", g->pci_bus_id.s);
        }
    }
    for (unsigned p = 0; p < FAKE_MAX_GPUS; p++) {
        for (unsigned m = 0; m < FAKE_MAX_MIG; m++) {
            struct nvmlDevice_st *d = &g_fake.migs[p][m];
            if (!d->present) {
                continue;
            }
            g_line = d->line;
            if (p >= g_fake.ngpus) {
                return fail("MIG device on a GPU that is not defined");
            }
            d->parent = &g_fake.gpus[p];
            unsigned long long max = 0;
            if (ival(&d->parent->max_mig, 0, &max) && m >= max) {
                return fail("MIG slot is not below the parent's max_mig_devices");
            }
            if (!d->uuid.set || !d->gi_id.set || !d->ci_id.set || (!d->profile.set && !d->name.set)) {
                return fail("[mig] needs uuid, gpu_instance_id, compute_instance_id and profile (or name)");
            }
            g_fake.gis[p][m].mig = d;
        }
    }
    for (unsigned v = 0; v < g_fake.nvariants; v++) {
        fake_mig_variant_t *x = &g_fake.variants[v];
        struct nvmlDevice_st *d = &x->dev;
        g_line = d->line;
        if (x->gpu >= g_fake.ngpus) {
            return fail("MIG device on a GPU that is not defined");
        }
        d->parent = &g_fake.gpus[x->gpu];
        unsigned long long max = 0;
        if (ival(&d->parent->max_mig, 0, &max) && x->slot >= max) {
            return fail("MIG slot is not below the parent's max_mig_devices");
        }
        if (!d->uuid.set || !d->gi_id.set || !d->ci_id.set || (!d->profile.set && !d->name.set)) {
            return fail("[mig] needs uuid, gpu_instance_id, compute_instance_id and profile (or name)");
        }
        g_fake.gis[x->gpu][x->slot].mig = &g_fake.migs[x->gpu][x->slot];
    }
    for (unsigned i = 0; i < g_fake.nprocs; i++) {
        fake_proc_t *pr = &g_fake.procs[i];
        g_line = pr->line;
        if (!pr->gpu.set || pr->gpu.err || pr->gpu.u >= g_fake.ngpus) {
            return fail("[process] needs 'gpu' naming a defined GPU");
        }
        if (pr->sample_age_us.err || pr->sample_age_us.u > 60000000ull) {
            return fail("[process] sample_age_us must be a number of microseconds up to 60 s");
        }
        if (pr->mps_client.err || pr->mps_client.u > 1) {
            return fail("[process] mps_client must be 0 or 1");
        }
    }
    /* UUIDs must be unique: nvmlDeviceGetHandleByUUID would be ambiguous otherwise */
    for (unsigned a = 0; a < FAKE_MAX_GPUS * (FAKE_MAX_MIG + 1); a++) {
        const struct nvmlDevice_st *x = a < FAKE_MAX_GPUS ? &g_fake.gpus[a]
                                                           : &g_fake.migs[0][0] + (a - FAKE_MAX_GPUS);
        if (!x->present || x->uuid.err) {
            continue;
        }
        for (unsigned b = a + 1; b < FAKE_MAX_GPUS * (FAKE_MAX_MIG + 1); b++) {
            const struct nvmlDevice_st *y = b < FAKE_MAX_GPUS ? &g_fake.gpus[b]
                                                               : &g_fake.migs[0][0] + (b - FAKE_MAX_GPUS);
            if (y->present && !y->uuid.err && strcmp(x->uuid.s, y->uuid.s) == 0) {
                g_line = y->line;
                return fail("duplicate uuid '%s'", y->uuid.s);
            }
        }
    }
    return NVML_SUCCESS;
}

nvmlReturn_t fake_scenario_load(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        return NVML_ERROR_DRIVER_NOT_LOADED;
    }
    memset(&g_fake, 0, sizeof g_fake);
    g_path = path;
    g_line = 0;

    int section = SEC_NONE;
    void *base = NULL;
    char *line = NULL;
    size_t cap = 0;
    nvmlReturn_t r = NVML_SUCCESS;
    while (r == NVML_SUCCESS && getline(&line, &cap, f) >= 0) {
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
            unsigned long a = 0, b = 0;
            if (strcmp(hdr, "system") == 0 && *arg == '\0') {
                section = SEC_SYSTEM;
                base = &g_fake;
            } else if (strcmp(hdr, "gpu") == 0 && parse_uint(arg, &a) && a < FAKE_MAX_GPUS) {
                struct nvmlDevice_st *g = &g_fake.gpus[a];
                if (g->present) {
                    r = fail("duplicate section [gpu %s]", arg);
                    break;
                }
                g->present = 1;
                g->index = (unsigned)a;
                g->line = g_line;
                section = SEC_GPU;
                base = g;
            } else if (strcmp(hdr, "mig") == 0) {
                /* [mig P.S] is the slot at start; [mig P.S NAME] a variant the control file may show */
                char *variant = arg + strcspn(arg, " \t");
                if (*variant) {
                    *variant++ = '\0';
                    variant = trim(variant);
                }
                char *dot = strchr(arg, '.');
                if (!dot) {
                    r = fail("expected [mig <gpu>.<slot>], got '%s'", arg);
                    break;
                }
                *dot = '\0';
                if (!parse_uint(arg, &a) || !parse_uint(dot + 1, &b) || a >= FAKE_MAX_GPUS || b >= FAKE_MAX_MIG) {
                    r = fail("bad MIG section (gpu < 64, slot < 8)");
                    break;
                }
                struct nvmlDevice_st *d = &g_fake.migs[a][b];
                if (*variant) {
                    if (strlen(variant) >= sizeof g_fake.variants[0].name || strcmp(variant, "-") == 0 ||
                        strpbrk(variant, " \t=:.") != NULL) {
                        r = fail("bad MIG variant name '%s'", variant);
                        break;
                    }
                    for (unsigned v = 0; v < g_fake.nvariants; v++) {
                        fake_mig_variant_t *x = &g_fake.variants[v];
                        if (x->gpu == a && x->slot == b && strcmp(x->name, variant) == 0) {
                            r = fail("duplicate MIG section");
                            break;
                        }
                    }
                    if (r != NVML_SUCCESS) {
                        break;
                    }
                    if (g_fake.nvariants >= FAKE_MAX_MIG_VARIANTS) {
                        r = fail("too many [mig] sections");
                        break;
                    }
                    fake_mig_variant_t *x = &g_fake.variants[g_fake.nvariants++];
                    x->gpu = (unsigned)a;
                    x->slot = (unsigned)b;
                    snprintf(x->name, sizeof x->name, "%s", variant);
                    d = &x->dev;
                } else if (d->present) {
                    r = fail("duplicate MIG section");
                    break;
                }
                d->present = 1;
                d->is_mig = 1;
                d->index = (unsigned)b;
                d->line = g_line;
                section = SEC_MIG;
                base = d;
            } else if (strcmp(hdr, "process") == 0 && parse_uint(arg, &a) && a <= 0xFFFFFFFFul) {
                if (g_fake.nprocs >= FAKE_MAX_PROCS) {
                    r = fail("too many [process] sections");
                    break;
                }
                fake_proc_t *p = &g_fake.procs[g_fake.nprocs++];
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
            r = set_key(SYSTEM_KEYS, sizeof SYSTEM_KEYS / sizeof SYSTEM_KEYS[0], section, base, key, value);
            break;
        case SEC_GPU:
        case SEC_MIG:
            r = set_key(DEVICE_KEYS, sizeof DEVICE_KEYS / sizeof DEVICE_KEYS[0], section, base, key, value);
            break;
        case SEC_PROC:
            r = set_key(PROC_KEYS, sizeof PROC_KEYS / sizeof PROC_KEYS[0], section, base, key, value);
            break;
        default:
            r = fail("key '%s' outside of any section", key);
            break;
        }
    }
    free(line);
    fclose(f);
    if (r == NVML_SUCCESS) {
        r = validate();
    }
    if (r != NVML_SUCCESS) {
        memset(&g_fake, 0, sizeof g_fake);
        return r;
    }
    for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) {
        g_fake.gpus[i].magic = FAKE_DEVICE_MAGIC;
        for (unsigned m = 0; m < FAKE_MAX_MIG; m++) {
            g_fake.migs[i][m].magic = FAKE_DEVICE_MAGIC;
            g_fake.mig_shown[i][m] = -1;
        }
    }
    /* The start-up instances become variants named "" too, so the control file can bring them back
     * after showing another one (or nothing) in their slot. */
    for (unsigned i = 0; i < g_fake.ngpus; i++) {
        for (unsigned m = 0; m < FAKE_MAX_MIG; m++) {
            if (!g_fake.migs[i][m].present) {
                continue;
            }
            if (g_fake.nvariants >= FAKE_MAX_MIG_VARIANTS) {
                g_line = g_fake.migs[i][m].line;
                r = fail("too many [mig] sections");
                memset(&g_fake, 0, sizeof g_fake);
                return r;
            }
            fake_mig_variant_t *x = &g_fake.variants[g_fake.nvariants];
            x->gpu = i;
            x->slot = m;
            x->name[0] = '\0';
            x->dev = g_fake.migs[i][m];
            g_fake.mig_shown[i][m] = (int)g_fake.nvariants++;
        }
    }
    return NVML_SUCCESS;
}
