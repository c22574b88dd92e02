/*
 * A fake librocm_smi64.so for Telegen's tests: the ROCm SMI entry points of rocm_smi_abi.h,
 * answering from the same scenario files as the fake libamd_smi.so (FAKE_AMDSMI_SCENARIO, read by
 * the first rsmi_init; FAKE_AMDSMI_CONTROL makes GPUs fail), so one scenario is one node whichever
 * library reads it. ROCm SMI is index-based: device i is the scenario's [gpu i].
 */
#include "fake_amd_scenario.h"
#include "rocm_smi_abi.h"

#define RSMI_API __attribute__((visibility("default")))

/* A scenario status (AMD SMI's names) as ROCm SMI reports it. */
static rsmi_status_t rs(amdsmi_status_t s) {
    switch (s) {
    case AMDSMI_STATUS_SUCCESS: return RSMI_STATUS_SUCCESS;
    case AMDSMI_STATUS_INVAL: return RSMI_STATUS_INVALID_ARGS;
    case AMDSMI_STATUS_NOT_SUPPORTED: return RSMI_STATUS_NOT_SUPPORTED;
    case AMDSMI_STATUS_NOT_YET_IMPLEMENTED: return RSMI_STATUS_NOT_YET_IMPLEMENTED;
    case AMDSMI_STATUS_NO_PERM: return RSMI_STATUS_PERMISSION;
    case AMDSMI_STATUS_DRM_ERROR:
    case AMDSMI_STATUS_IO:
    case AMDSMI_STATUS_FILE_ERROR: return RSMI_STATUS_FILE_ERROR;
    case AMDSMI_STATUS_OUT_OF_RESOURCES: return RSMI_STATUS_OUT_OF_RESOURCES;
    case AMDSMI_STATUS_INIT_ERROR:
    case AMDSMI_STATUS_DRIVER_NOT_LOADED: return RSMI_STATUS_INIT_ERROR;
    case AMDSMI_STATUS_BUSY: return RSMI_STATUS_BUSY;
    case AMDSMI_STATUS_NOT_FOUND: return RSMI_STATUS_NOT_FOUND;
    case AMDSMI_STATUS_NO_DATA: return RSMI_STATUS_NO_DATA;
    case AMDSMI_STATUS_INSUFFICIENT_SIZE: return RSMI_STATUS_INSUFFICIENT_SIZE;
    default: return RSMI_STATUS_UNKNOWN_ERROR;
    }
}

static rsmi_status_t dev(uint32_t dv_ind, fake_gpu_t **out) {
    if (g_refs == 0) {
        return RSMI_STATUS_INIT_ERROR;
    }
    if (dv_ind >= g.ngpus) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    fake_gpu_t *x = &g.gpus[dv_ind];
    amdsmi_status_t r = gpu_of(x, out);
    return rs(r);
}

#define DEV_OR_RETURN(i, x)                \
    fake_gpu_t *x = NULL;                  \
    do {                                   \
        rsmi_status_t _st = dev(i, &x);    \
        if (_st != RSMI_STATUS_SUCCESS) {  \
            return _st;                    \
        }                                  \
    } while (0)

static rsmi_status_t u64_of(const fval_t *v, uint64_t *out, double scale) {
    unsigned long long u;
    amdsmi_status_t r = val(v, &u);
    if (r == AMDSMI_STATUS_SUCCESS && out) {
        *out = (uint64_t)((double)u * scale);
    }
    return out ? rs(r) : RSMI_STATUS_INVALID_ARGS;
}

RSMI_API rsmi_status_t rsmi_init(uint64_t init_flags) {
    (void)init_flags;
    pthread_mutex_lock(&g_lock);
    amdsmi_status_t r = AMDSMI_STATUS_SUCCESS;
    if (g_refs == 0) {
        const char *path = getenv("FAKE_AMDSMI_SCENARIO");
        r = path ? load_scenario(path) : AMDSMI_STATUS_INIT_ERROR;
    }
    if (r == AMDSMI_STATUS_SUCCESS) {
        g_refs++;
    }
    pthread_mutex_unlock(&g_lock);
    return rs(r);
}

RSMI_API rsmi_status_t rsmi_shut_down(void) {
    pthread_mutex_lock(&g_lock);
    if (g_refs > 0 && --g_refs == 0) {
        memset(&g, 0, sizeof g);
    }
    pthread_mutex_unlock(&g_lock);
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_status_string(rsmi_status_t status, const char **status_string) {
    if (!status_string) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    switch (status) {
    case RSMI_STATUS_SUCCESS: *status_string = "RSMI_STATUS_SUCCESS: The function has been executed successfully."; break;
    case RSMI_STATUS_NOT_SUPPORTED: *status_string = "RSMI_STATUS_NOT_SUPPORTED: The requested information or action is not available for the given input"; break;
    case RSMI_STATUS_FILE_ERROR: *status_string = "RSMI_STATUS_FILE_ERROR: Problem accessing a file."; break;
    case RSMI_STATUS_PERMISSION: *status_string = "RSMI_STATUS_PERMISSION: Permission denied/EACCESS file error."; break;
    case RSMI_STATUS_INIT_ERROR: *status_string = "RSMI_STATUS_INIT_ERROR: An error occurred during initialization, during monitor discovery or when when initializing internal data structures"; break;
    case RSMI_STATUS_BUSY: *status_string = "RSMI_STATUS_BUSY: A resource or mutex could not be acquired because it is already being used"; break;
    default: *status_string = "An unknown error occurred"; break;
    }
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_version_get(rsmi_version_t *version) {
    if (!version) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    static char build[64];
    put(build, sizeof build, g_refs > 0 && g.rocm_smi_version.set ? g.rocm_smi_version.s : "7.7.0");
    memset(version, 0, sizeof *version);
    if (sscanf(build, "%u.%u.%u", &version->major, &version->minor, &version->patch) < 2) {
        return RSMI_STATUS_UNEXPECTED_DATA;
    }
    version->build = build;
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_version_str_get(rsmi_sw_component_t component, char *ver_str, uint32_t len) {
    if (g_refs == 0) {
        return RSMI_STATUS_INIT_ERROR;
    }
    if (component != RSMI_SW_COMP_DRIVER) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    return rs(copy_string(&g.driver_version, ver_str, len));
}

RSMI_API rsmi_status_t rsmi_num_monitor_devices(uint32_t *num_devices) {
    if (g_refs == 0) {
        return RSMI_STATUS_INIT_ERROR;
    }
    if (!num_devices) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    *num_devices = g.ngpus;
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_dev_name_get(uint32_t dv_ind, char *name, size_t len) {
    DEV_OR_RETURN(dv_ind, x);
    return rs(copy_string(&x->name, name, (uint32_t)len));
}

/* The unique id: the first 16 hex digits of the scenario's uuid, as a number. */
RSMI_API rsmi_status_t rsmi_dev_unique_id_get(uint32_t dv_ind, uint64_t *id) {
    DEV_OR_RETURN(dv_ind, x);
    if (!id) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    uint64_t v = 0;
    int digits = 0;
    for (const char *c = x->uuid.s; *c && digits < 16; c++) {
        int d = (*c >= '0' && *c <= '9') ? *c - '0' : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10 : -1;
        if (d >= 0) {
            v = (v << 4) | (uint64_t)d;
            digits++;
        }
    }
    *id = v;
    return RSMI_STATUS_SUCCESS;
}

/* BDFID: domain in bits 63..32, bus 15..8, device 7..3, function 2..0 */
RSMI_API rsmi_status_t rsmi_dev_pci_id_get(uint32_t dv_ind, uint64_t *bdfid) {
    DEV_OR_RETURN(dv_ind, x);
    if (!bdfid) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    *bdfid = ((x->bdf_value >> 16) << 32) | (x->bdf_value & 0xFFFF);
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_dev_busy_percent_get(uint32_t dv_ind, uint32_t *busy_percent) {
    DEV_OR_RETURN(dv_ind, x);
    uint64_t v = 0;
    rsmi_status_t r = u64_of(&x->gfx_activity, busy_percent ? &v : NULL, 1);
    if (r == RSMI_STATUS_SUCCESS) {
        *busy_percent = (uint32_t)v;
    }
    return r;
}

RSMI_API rsmi_status_t rsmi_dev_memory_busy_percent_get(uint32_t dv_ind, uint32_t *busy_percent) {
    DEV_OR_RETURN(dv_ind, x);
    uint64_t v = 0;
    rsmi_status_t r = u64_of(&x->umc_activity, busy_percent ? &v : NULL, 1);
    if (r == RSMI_STATUS_SUCCESS) {
        *busy_percent = (uint32_t)v;
    }
    return r;
}

RSMI_API rsmi_status_t rsmi_dev_memory_total_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, uint64_t *total) {
    DEV_OR_RETURN(dv_ind, x);
    return mem_type != RSMI_MEM_TYPE_VRAM ? RSMI_STATUS_NOT_SUPPORTED : u64_of(&x->vram_total, total, 1);
}

RSMI_API rsmi_status_t rsmi_dev_memory_usage_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, uint64_t *used) {
    DEV_OR_RETURN(dv_ind, x);
    return mem_type != RSMI_MEM_TYPE_VRAM ? RSMI_STATUS_NOT_SUPPORTED : u64_of(&x->vram_used, used, 1);
}

RSMI_API rsmi_status_t rsmi_dev_temp_metric_get(uint32_t dv_ind, uint32_t sensor_type,
                                                rsmi_temperature_metric_t metric, int64_t *temperature) {
    DEV_OR_RETURN(dv_ind, x);
    if (!temperature) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    const fval_t *v = metric != RSMI_TEMP_CURRENT                 ? NULL
                      : sensor_type == RSMI_TEMP_TYPE_EDGE     ? &x->temp_edge
                      : sensor_type == RSMI_TEMP_TYPE_JUNCTION ? &x->temp_hotspot
                      : sensor_type == RSMI_TEMP_TYPE_MEMORY   ? &x->temp_vram
                                                               : NULL;
    uint64_t u = 0;
    rsmi_status_t r = v ? u64_of(v, &u, 1) : RSMI_STATUS_NOT_SUPPORTED;
    if (r == RSMI_STATUS_SUCCESS) {
        *temperature = (int64_t)u; /* millidegrees */
    }
    return r;
}

/* Average power (older ASICs), in microwatts. */
RSMI_API rsmi_status_t rsmi_dev_power_ave_get(uint32_t dv_ind, uint32_t sensor_ind, uint64_t *power) {
    DEV_OR_RETURN(dv_ind, x);
    return sensor_ind != 0 ? RSMI_STATUS_NOT_SUPPORTED : u64_of(&x->average_socket_power, power, 1e6);
}

/* Current socket power (MI300 and newer), in microwatts. */
RSMI_API rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, uint64_t *socket_power) {
    DEV_OR_RETURN(dv_ind, x);
    return u64_of(&x->current_socket_power, socket_power, 1e6);
}

RSMI_API rsmi_status_t rsmi_dev_power_cap_get(uint32_t dv_ind, uint32_t sensor_ind, uint64_t *cap) {
    DEV_OR_RETURN(dv_ind, x);
    return sensor_ind != 0 ? RSMI_STATUS_NOT_SUPPORTED : u64_of(&x->power_cap, cap, 1);
}

RSMI_API rsmi_status_t rsmi_dev_energy_count_get(uint32_t dv_ind, uint64_t *power, float *counter_resolution,
                                                 uint64_t *timestamp) {
    DEV_OR_RETURN(dv_ind, x);
    if (!power || !counter_resolution || !timestamp) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    unsigned long long base = 0;
    rsmi_status_t r = rs(val(&x->energy, &base));
    if (r) {
        return r;
    }
    unsigned long long reads = __atomic_fetch_add(&x->energy_reads, 1, __ATOMIC_RELAXED);
    *power = base + reads * val_or(&x->energy_step, 0);
    *counter_resolution = x->energy_resolution.set ? (float)x->energy_resolution.d : 15.2587890625f;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    *timestamp = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_dev_fan_speed_get(uint32_t dv_ind, uint32_t sensor_ind, int64_t *speed) {
    DEV_OR_RETURN(dv_ind, x);
    uint64_t v = 0;
    rsmi_status_t r = sensor_ind != 0 ? RSMI_STATUS_NOT_SUPPORTED : u64_of(&x->fan_speed, speed ? &v : NULL, 1);
    if (r == RSMI_STATUS_SUCCESS) {
        *speed = (int64_t)v;
    }
    return r;
}

RSMI_API rsmi_status_t rsmi_dev_fan_speed_max_get(uint32_t dv_ind, uint32_t sensor_ind, uint64_t *max_speed) {
    DEV_OR_RETURN(dv_ind, x);
    if (!max_speed) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    if (sensor_ind != 0 || !x->fan_speed.set) {
        return RSMI_STATUS_NOT_SUPPORTED;
    }
    *max_speed = val_or(&x->fan_max, RSMI_MAX_FAN_SPEED);
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_dev_gpu_clk_freq_get(uint32_t dv_ind, rsmi_clk_type_t clk_type, rsmi_frequencies_t *f) {
    DEV_OR_RETURN(dv_ind, x);
    if (!f) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    const fstr_t *list = clk_type == RSMI_CLK_TYPE_SYS ? &x->sclk_mhz : clk_type == RSMI_CLK_TYPE_MEM ? &x->mclk_mhz : NULL;
    const fval_t *current = clk_type == RSMI_CLK_TYPE_SYS ? &x->sclk_current : &x->mclk_current;
    if (!list || !list->set) {
        return RSMI_STATUS_NOT_SUPPORTED;
    }
    if (list->err) {
        return rs(list->err);
    }
    memset(f, 0, sizeof *f);
    char copy[FAKE_STR];
    put(copy, sizeof copy, list->s);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && f->num_supported < RSMI_MAX_NUM_FREQUENCIES;
         t = strtok_r(NULL, ",", &save)) {
        f->frequency[f->num_supported++] = strtoull(trim(t), NULL, 10) * 1000000ull;
    }
    f->current = (uint32_t)val_or(current, 0);
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_dev_pci_throughput_get(uint32_t dv_ind, uint64_t *sent, uint64_t *received,
                                                   uint64_t *max_pkt_sz) {
    DEV_OR_RETURN(dv_ind, x);
    unsigned long long s = 0, rcv = 0;
    rsmi_status_t r = rs(val(&x->pcie_sent, &s));
    if (r == RSMI_STATUS_SUCCESS) {
        r = rs(val(&x->pcie_received, &rcv));
    }
    if (r) {
        return r;
    }
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
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_dev_compute_partition_get(uint32_t dv_ind, char *compute_partition, uint32_t len) {
    DEV_OR_RETURN(dv_ind, x);
    return rs(copy_string(&x->compute_partition, compute_partition, len));
}

RSMI_API rsmi_status_t rsmi_dev_memory_partition_get(uint32_t dv_ind, char *memory_partition, uint32_t len) {
    DEV_OR_RETURN(dv_ind, x);
    return rs(copy_string(&x->memory_partition, memory_partition, len));
}

RSMI_API rsmi_status_t rsmi_dev_partition_id_get(uint32_t dv_ind, uint32_t *partition_id) {
    DEV_OR_RETURN(dv_ind, x);
    uint64_t v = 0;
    rsmi_status_t r = u64_of(&x->partition_id, partition_id ? &v : NULL, 1);
    if (r == RSMI_STATUS_SUCCESS) {
        *partition_id = (uint32_t)v;
    }
    return r;
}

static void fill_process(const fake_proc_t *p, rsmi_process_info_t *out) {
    memset(out, 0, sizeof *out);
    out->process_id = p->pid;
    out->pasid = 0x8000 + p->pid % 0x1000;
    out->vram_usage = val_or(&p->vram, 0);
    unsigned long long cus = val_or(&g.gpus[p->gpu.u].compute_units, 0);
    out->cu_occupancy = cus ? (uint32_t)(val_or(&p->cu_occupancy, 0) * 100 / cus) : 0xFFFFFFFFu;
}

/* System-wide, one entry per pid (its VRAM summed over its GPUs). */
RSMI_API rsmi_status_t rsmi_compute_process_info_get(rsmi_process_info_t *procs, uint32_t *num_items) {
    if (g_refs == 0) {
        return RSMI_STATUS_INIT_ERROR;
    }
    if (!num_items) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    uint32_t n = 0;
    for (unsigned i = 0; i < g.nprocs; i++) {
        int first = 1;
        for (unsigned j = 0; j < i; j++) {
            first &= g.procs[j].pid != g.procs[i].pid;
        }
        if (!first) {
            continue;
        }
        if (procs) {
            if (n >= *num_items) {
                *num_items = n;
                return RSMI_STATUS_INSUFFICIENT_SIZE;
            }
            fill_process(&g.procs[i], &procs[n]);
            for (unsigned j = i + 1; j < g.nprocs; j++) {
                if (g.procs[j].pid == g.procs[i].pid) {
                    procs[n].vram_usage += val_or(&g.procs[j].vram, 0);
                }
            }
        }
        n++;
    }
    *num_items = n;
    return RSMI_STATUS_SUCCESS;
}

RSMI_API rsmi_status_t rsmi_compute_process_gpus_get(uint32_t pid, uint32_t *dv_indices, uint32_t *num_devices) {
    if (g_refs == 0) {
        return RSMI_STATUS_INIT_ERROR;
    }
    if (!num_devices) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    uint32_t n = 0;
    int found = 0;
    for (unsigned i = 0; i < g.nprocs; i++) {
        if (g.procs[i].pid != pid) {
            continue;
        }
        found = 1;
        if (dv_indices && n < *num_devices) {
            dv_indices[n] = (uint32_t)g.procs[i].gpu.u;
        }
        n++;
    }
    if (!found) {
        return RSMI_STATUS_NOT_FOUND;
    }
    rsmi_status_t r = dv_indices && n > *num_devices ? RSMI_STATUS_INSUFFICIENT_SIZE : RSMI_STATUS_SUCCESS;
    *num_devices = n;
    return r;
}

/* The pid's use of one device: its VRAM there. */
RSMI_API rsmi_status_t rsmi_compute_process_info_by_device_get(uint32_t pid, uint32_t dv_ind,
                                                               rsmi_process_info_t *proc) {
    DEV_OR_RETURN(dv_ind, x);
    if (!proc) {
        return RSMI_STATUS_INVALID_ARGS;
    }
    for (unsigned i = 0; i < g.nprocs; i++) {
        if (g.procs[i].pid == pid && g.procs[i].gpu.u == x->index) {
            fill_process(&g.procs[i], proc);
            return RSMI_STATUS_SUCCESS;
        }
    }
    return RSMI_STATUS_NOT_FOUND;
}
