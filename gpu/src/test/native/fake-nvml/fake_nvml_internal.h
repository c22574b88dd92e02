/*
 * Internal state of the fake libnvidia-ml.so.1: what a scenario file describes, and the
 * runtime counters that make values move between collection cycles.
 */
#ifndef TELEGEN_FAKE_NVML_INTERNAL_H
#define TELEGEN_FAKE_NVML_INTERNAL_H

#include <stdatomic.h>

#include "nvml_abi.h"

#define FAKE_MAX_GPUS   64   /* the lost-GPU set is a 64-bit mask */
#define FAKE_MAX_MIG     8   /* MIG device slots per GPU (H100/A100: 7) */
#define FAKE_MAX_PROCS 256
#define FAKE_STR       128
#define FAKE_MAX_MIG_VARIANTS 64 /* [mig P.S] and [mig P.S NAME] sections together */

/* A scenario value: absent (-> the call answers NOT_SUPPORTED unless the call has a default),
 * an NVML error name (-> the call answers that error), or a number. */
typedef struct {
    unsigned char set;
    nvmlReturn_t err;
    unsigned long long u;
    double d;
} fval_t;

typedef struct {
    unsigned char set;
    nvmlReturn_t err;
    char s[FAKE_STR];
} fstr_t;

/* GPM metrics the fake knows, in the order of fake_gpm_metrics[] (fake_nvml.c) */
enum {
    GPM_GRAPHICS_UTIL, GPM_SM_UTIL, GPM_SM_OCCUPANCY, GPM_TENSOR_UTIL, GPM_DRAM_UTIL,
    GPM_FP64_UTIL, GPM_FP32_UTIL, GPM_FP16_UTIL, GPM_PCIE_TX, GPM_PCIE_RX,
    GPM_NVLINK_RX, GPM_NVLINK_TX, GPM_COUNT
};

#define FAKE_DEVICE_MAGIC 0x4e564d4cu /* "NVML" */

/* One struct for physical GPUs and MIG devices: nvmlDevice_t points at one of these. */
struct nvmlDevice_st {
    unsigned int magic;
    int present;
    int is_mig;
    unsigned int index;               /* GPU index, or MIG device index on the parent */
    struct nvmlDevice_st *parent;     /* MIG only */
    int line;                         /* scenario line of the section header */

    fstr_t name, uuid, serial, pci_bus_id, profile;
    fval_t pci_device_id, pci_subsystem_id;
    fval_t util_gpu, util_mem;
    fval_t mem_total, mem_reserved, mem_used, mem_free;
    fval_t temp_gpu, temp_mem;
    fval_t power_usage, power_limit, power_mgmt_limit;
    fval_t energy, energy_step;
    fval_t clock[4], clock_max[4];
    fval_t pcie_tx, pcie_rx, pcie_delay_ms;
    fval_t enc_util, dec_util, enc_period_us, dec_period_us;
    fval_t num_fans, fan_speed;
    fval_t throttle;
    fval_t mig_mode, mig_pending, max_mig;
    fval_t gpm_supported;
    fval_t gpm[GPM_COUNT];
    fval_t nvlink_links, nvlink_tx, nvlink_rx, nvlink_step;
    fval_t nvlink5;                   /* 1: NVLink5 byte counters 202/204 answer, 138/139 do not */
    fval_t memory_v2;                 /* an error name: what nvmlDeviceGetMemoryInfo_v2 answers */
    fval_t util_period_ms;
    fval_t handle_rc;                 /* "handle": what nvmlDeviceGetHandleByIndex_v2 answers instead */

    /* MIG device keys */
    fval_t gi_id, ci_id;
    fval_t sm_count, ce_count, dec_count, enc_count, jpg_count, ofa_count, gi_slices, ci_slices;
    fval_t profile_id, placement_start, placement_size;

    /* derived at load */
    unsigned int pci_domain, pci_bus, pci_dev;

    /* runtime */
    atomic_ullong energy_reads;
    atomic_ullong nvlink_reads;
    atomic_int counters_reset;        /* fakeNvmlResetCounters: energy/NVLink restart from 0 */
    atomic_int util_dirty;            /* set by any query other than process utilization */
    unsigned long long util_ts;       /* timestamp (us) of the latest process utilization samples */
};

/* nvmlGpuInstance_t points at one of these (one per MIG slot). */
struct nvmlGpuInstance_st {
    struct nvmlDevice_st *mig;
};

typedef struct {
    unsigned int pid;
    int line;
    fval_t gpu, gi_id, ci_id, used_memory;
    fval_t sm_util, mem_util, enc_util, dec_util, jpg_util, ofa_util;
    fval_t sample_age_us, previous_sm_util; /* per-process sample timestamps (see util_samples) */
    fval_t mps_client;                      /* listed by the MPS call only, not as a compute process */
} fake_proc_t;

/* One configuration of a MIG slot: the [mig P.S] section (name "") or a [mig P.S NAME] one, which the
 * control file can show in the slot mid-run (MIG instances created, destroyed, slots reused). */
typedef struct {
    unsigned int gpu, slot;
    char name[32];
    struct nvmlDevice_st dev;
} fake_mig_variant_t;

typedef struct {
    fstr_t driver_version, nvml_version;
    fval_t cuda_driver_version;
    fval_t libcuda;                   /* 0: no libcuda.so.1, so the CUDA _v2 call fails */
    unsigned int ngpus;
    struct nvmlDevice_st gpus[FAKE_MAX_GPUS];
    struct nvmlDevice_st migs[FAKE_MAX_GPUS][FAKE_MAX_MIG];
    struct nvmlGpuInstance_st gis[FAKE_MAX_GPUS][FAKE_MAX_MIG];
    unsigned int nprocs;
    fake_proc_t procs[FAKE_MAX_PROCS];
    int unprivileged; /* FAKE_NVML_UNPRIVILEGED at init: MIG parents refuse aggregate processes and memory */
    unsigned int nvariants;
    fake_mig_variant_t variants[FAKE_MAX_MIG_VARIANTS];
    /* which variant each slot shows now: its index in variants[], or -1 for an empty slot */
    int mig_shown[FAKE_MAX_GPUS][FAKE_MAX_MIG];
} fake_state_t;

extern fake_state_t g_fake;

/* Parses the scenario at path into g_fake (which it clears first).
 * Returns NVML_SUCCESS, NVML_ERROR_DRIVER_NOT_LOADED when the file cannot be read (silently),
 * or NVML_ERROR_UNKNOWN after printing "fake-nvml: file:line: problem" to stderr. */
nvmlReturn_t fake_scenario_load(const char *path);

/* NVML error name ("NOT_SUPPORTED" or "NVML_ERROR_NOT_SUPPORTED") -> code; 0 if not a name. */
nvmlReturn_t fake_error_by_name(const char *s);

#endif
