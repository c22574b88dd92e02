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
#include "fake_amd_scenario.h"

#define GPU_OR_RETURN(h, x)                 \
    fake_gpu_t *x = NULL;                   \
    do {                                    \
        amdsmi_status_t _st = gpu_of(h, &x); \
        if (_st != AMDSMI_STATUS_SUCCESS) {  \
            return _st;                      \
        }                                    \
    } while (0)

/* ---- test hook (not an AMD SMI name): calls on a GPU handle since the library was loaded ---- */

AMDSMI_API unsigned long long fakeAmdSmiCallCount(void) {
    return __atomic_load_n(&g_calls, __ATOMIC_RELAXED);
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
