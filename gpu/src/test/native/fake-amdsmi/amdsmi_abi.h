/*
 * The part of the AMD SMI C ABI (libamd_smi.so) that the fake implements, declared for Telegen's
 * tests from the documented API (ROCm/amdsmi include/amd_smi/amdsmi.h): status codes, opaque
 * handles, the entry points' argument lists and the struct layouts of two generations:
 *
 *   FAKE_AMDSMI_ABI_24  the library of ROCm 6.2-6.4 (AMD SMI 24.x/25.x): amdsmi_version_t starts
 *                       with `year`, 32-byte process names, power in 32-bit W fields
 *   (default)           AMD SMI 26.x (ROCm 7): no `year`, 64-byte process and container names,
 *                       cu_occupancy/evicted_time/sdma_usage per process, socket_power first
 *
 * The layouts are pinned with _Static_asserts (x86_64), so a drift fails the build. Shared by the
 * fake library and its C check.
 */
#ifndef TELEGEN_FAKE_AMDSMI_ABI_H
#define TELEGEN_FAKE_AMDSMI_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(FAKE_AMDSMI_BUILDING_LIBRARY)
#define AMDSMI_API __attribute__((visibility("default")))
#else
#define AMDSMI_API
#endif

/* ---- status codes (values fixed by the ABI) ---- */
typedef enum {
    AMDSMI_STATUS_SUCCESS = 0,
    AMDSMI_STATUS_INVAL = 1,
    AMDSMI_STATUS_NOT_SUPPORTED = 2,
    AMDSMI_STATUS_NOT_YET_IMPLEMENTED = 3,
    AMDSMI_STATUS_FAIL_LOAD_MODULE = 4,
    AMDSMI_STATUS_FAIL_LOAD_SYMBOL = 5,
    AMDSMI_STATUS_DRM_ERROR = 6,
    AMDSMI_STATUS_API_FAILED = 7,
    AMDSMI_STATUS_TIMEOUT = 8,
    AMDSMI_STATUS_RETRY = 9,
    AMDSMI_STATUS_NO_PERM = 10,
    AMDSMI_STATUS_INTERRUPT = 11,
    AMDSMI_STATUS_IO = 12,
    AMDSMI_STATUS_ADDRESS_FAULT = 13,
    AMDSMI_STATUS_FILE_ERROR = 14,
    AMDSMI_STATUS_OUT_OF_RESOURCES = 15,
    AMDSMI_STATUS_INTERNAL_EXCEPTION = 16,
    AMDSMI_STATUS_INPUT_OUT_OF_BOUNDS = 17,
    AMDSMI_STATUS_INIT_ERROR = 18,
    AMDSMI_STATUS_REFCOUNT_OVERFLOW = 19,
    AMDSMI_STATUS_BUSY = 30,
    AMDSMI_STATUS_NOT_FOUND = 31,
    AMDSMI_STATUS_NOT_INIT = 32,
    AMDSMI_STATUS_NO_SLOT = 33,
    AMDSMI_STATUS_DRIVER_NOT_LOADED = 34,
    AMDSMI_STATUS_NO_DATA = 40,
    AMDSMI_STATUS_INSUFFICIENT_SIZE = 41,
    AMDSMI_STATUS_UNEXPECTED_SIZE = 42,
    AMDSMI_STATUS_UNEXPECTED_DATA = 43,
    AMDSMI_STATUS_MAP_ERROR = 0xFFFFFFFE,
    AMDSMI_STATUS_UNKNOWN_ERROR = 0xFFFFFFFF
} amdsmi_status_t;

#define AMDSMI_INIT_AMD_GPUS (1u << 1)
#define AMDSMI_GPU_UUID_SIZE 38
#define AMDSMI_MAX_STRING_LENGTH 64
#define AMDSMI_NORMAL_STRING_LENGTH 32
#define AMDSMI_256_LENGTH 256
#define AMDSMI_MAX_NUM_FREQUENCIES 33
#define AMDSMI_MAX_NUM_XGMI_PHYSICAL_LINK 64
#define AMDSMI_MAX_FAN_SPEED 255

typedef void *amdsmi_processor_handle;
typedef void *amdsmi_socket_handle;
typedef uint32_t amdsmi_process_handle_t;

typedef enum { AMDSMI_PROCESSOR_TYPE_UNKNOWN = 0, AMDSMI_PROCESSOR_TYPE_AMD_GPU = 1 } processor_type_t;
typedef enum { AMDSMI_MEM_TYPE_VRAM = 0, AMDSMI_MEM_TYPE_VIS_VRAM = 1, AMDSMI_MEM_TYPE_GTT = 2 } amdsmi_memory_type_t;
typedef enum {
    AMDSMI_TEMPERATURE_TYPE_EDGE = 0,
    AMDSMI_TEMPERATURE_TYPE_HOTSPOT = 1, /* = JUNCTION */
    AMDSMI_TEMPERATURE_TYPE_VRAM = 2
} amdsmi_temperature_type_t;
typedef enum { AMDSMI_TEMP_CURRENT = 0 } amdsmi_temperature_metric_t;
typedef enum { AMDSMI_CLK_TYPE_SYS = 0, AMDSMI_CLK_TYPE_MEM = 4 } amdsmi_clk_type_t;

/* The link type enum was reordered in 26.0 (amdsmi_io_link_type_t merged into it). */
#if defined(FAKE_AMDSMI_ABI_24)
#define FAKE_AMDSMI_LINK_TYPE_XGMI 1 /* INTERNAL, XGMI, PCIE, NOT_APPLICABLE, UNKNOWN */
#else
#define FAKE_AMDSMI_LINK_TYPE_XGMI 2 /* INTERNAL, PCIE, XGMI, NOT_APPLICABLE, UNKNOWN */
#endif

/* ---- structs ---- */
typedef struct {
#if defined(FAKE_AMDSMI_ABI_24)
    uint32_t year; /* removed in 26.0 */
#endif
    uint32_t major;
    uint32_t minor;
    uint32_t release;
    const char *build;
} amdsmi_version_t;

typedef union {
    struct {
        uint64_t function_number : 3;
        uint64_t device_number : 5;
        uint64_t bus_number : 8;
        uint64_t domain_number : 48;
    } fields;
    uint64_t as_uint;
} amdsmi_bdf_t;

typedef struct {
    uint32_t gfx_activity;
    uint32_t umc_activity;
    uint32_t mm_activity;
    uint32_t reserved[13];
} amdsmi_engine_usage_t;

typedef struct {
    uint32_t vram_total; /* MB */
    uint32_t vram_used;  /* MB */
    uint32_t reserved[2];
} amdsmi_vram_usage_t;

typedef struct {
#if defined(FAKE_AMDSMI_ABI_24)
    uint32_t current_socket_power; /* W */
    uint32_t average_socket_power; /* W */
    uint32_t gfx_voltage;
    uint32_t soc_voltage;
    uint32_t mem_voltage;
    uint32_t power_limit;
    uint32_t reserved[11];
#else
    uint64_t socket_power;         /* W */
    uint32_t current_socket_power; /* W; UINT32_MAX where unsupported */
    uint32_t average_socket_power; /* W; UINT32_MAX where unsupported */
    uint64_t gfx_voltage;
    uint64_t soc_voltage;
    uint64_t mem_voltage;
    uint32_t power_limit;
    uint32_t ubb_power;
    uint64_t reserved[18];
#endif
} amdsmi_power_info_t;

typedef struct {
    uint64_t power_cap; /* uW */
    uint64_t default_power_cap;
    uint64_t dpm_cap;
    uint64_t min_power_cap;
    uint64_t max_power_cap;
    uint64_t reserved[3];
} amdsmi_power_cap_info_t;

typedef struct {
    bool has_deep_sleep;
    uint32_t num_supported;
    uint32_t current; /* index into frequency[] */
    uint64_t frequency[AMDSMI_MAX_NUM_FREQUENCIES]; /* Hz */
} amdsmi_frequencies_t;

typedef struct {
#if defined(FAKE_AMDSMI_ABI_24)
    char market_name[AMDSMI_256_LENGTH];
    uint32_t vendor_id;
    char vendor_name[AMDSMI_MAX_STRING_LENGTH];
    uint32_t subvendor_id;
    uint64_t device_id;
    uint32_t rev_id;
    char asic_serial[AMDSMI_NORMAL_STRING_LENGTH];
    uint32_t oam_id;
    uint32_t num_of_compute_units;
    uint64_t target_graphics_version;
    uint32_t reserved[15];
#else
    char market_name[AMDSMI_MAX_STRING_LENGTH];
    uint32_t vendor_id;
    char vendor_name[AMDSMI_MAX_STRING_LENGTH];
    uint32_t subvendor_id;
    uint64_t device_id;
    uint32_t rev_id;
    char asic_serial[AMDSMI_MAX_STRING_LENGTH];
    uint32_t oam_id;
    uint32_t num_of_compute_units;
    uint64_t target_graphics_version;
    uint32_t subsystem_id;
    uint32_t reserved[21];
#endif
} amdsmi_asic_info_t;

typedef struct {
    uint64_t kfd_id;
    uint32_t node_id;
    uint32_t current_partition_id;
    uint32_t reserved[12];
} amdsmi_kfd_info_t;

typedef struct {
    char driver_version[AMDSMI_MAX_STRING_LENGTH];
    char driver_date[AMDSMI_MAX_STRING_LENGTH];
    char driver_name[AMDSMI_MAX_STRING_LENGTH];
} amdsmi_driver_info_t;

typedef struct {
    uint32_t num_links;
    struct {
        amdsmi_bdf_t bdf;
        uint32_t bit_rate;
        uint32_t max_bandwidth;
        uint32_t link_type;
        uint64_t read;  /* KB received */
        uint64_t write; /* KB sent */
        uint64_t reserved[2];
    } links[AMDSMI_MAX_NUM_XGMI_PHYSICAL_LINK];
    uint64_t reserved[7];
} amdsmi_link_metrics_t;

typedef struct {
#if defined(FAKE_AMDSMI_ABI_24)
    char name[AMDSMI_NORMAL_STRING_LENGTH];
#else
    char name[AMDSMI_MAX_STRING_LENGTH];
#endif
    amdsmi_process_handle_t pid;
    uint64_t mem; /* bytes */
    struct {
        uint64_t gfx; /* ns */
        uint64_t enc; /* ns */
        uint32_t reserved[12];
    } engine_usage;
    struct {
        uint64_t gtt_mem;
        uint64_t cpu_mem;
        uint64_t vram_mem; /* bytes */
        uint32_t reserved[10];
    } memory_usage;
#if defined(FAKE_AMDSMI_ABI_24)
    char container_name[AMDSMI_NORMAL_STRING_LENGTH];
    uint32_t reserved[4];
#else
    char container_name[AMDSMI_MAX_STRING_LENGTH];
    uint32_t cu_occupancy; /* compute units in use */
    uint32_t evicted_time; /* ms */
    uint64_t sdma_usage;   /* us */
    uint32_t reserved[8];
#endif
} amdsmi_proc_info_t;

/* ---- layouts, x86_64 (the Java binding's AmdSmiLayout says the same numbers) ---- */
_Static_assert(sizeof(amdsmi_status_t) == 4, "amdsmi_status_t is 32-bit");
_Static_assert(sizeof(amdsmi_bdf_t) == 8, "amdsmi_bdf_t");
_Static_assert(sizeof(amdsmi_engine_usage_t) == 64, "amdsmi_engine_usage_t");
_Static_assert(sizeof(amdsmi_vram_usage_t) == 16, "amdsmi_vram_usage_t");
_Static_assert(sizeof(amdsmi_power_cap_info_t) == 64, "amdsmi_power_cap_info_t");
_Static_assert(offsetof(amdsmi_frequencies_t, num_supported) == 4, "frequencies.num_supported");
_Static_assert(offsetof(amdsmi_frequencies_t, current) == 8, "frequencies.current");
_Static_assert(offsetof(amdsmi_frequencies_t, frequency) == 16, "frequencies.frequency");
_Static_assert(sizeof(amdsmi_frequencies_t) == 280, "amdsmi_frequencies_t");
_Static_assert(offsetof(amdsmi_kfd_info_t, current_partition_id) == 12, "kfd.current_partition_id");
_Static_assert(sizeof(amdsmi_kfd_info_t) == 64, "amdsmi_kfd_info_t");
_Static_assert(sizeof(amdsmi_driver_info_t) == 192, "amdsmi_driver_info_t");
_Static_assert(offsetof(amdsmi_link_metrics_t, links) == 8, "link_metrics.links");
_Static_assert(sizeof(((amdsmi_link_metrics_t *)0)->links[0]) == 56, "link_metrics.links[]");
_Static_assert(offsetof(amdsmi_link_metrics_t, links[0].link_type) == 24, "links[].link_type");
_Static_assert(offsetof(amdsmi_link_metrics_t, links[0].read) == 32, "links[].read");
_Static_assert(offsetof(amdsmi_link_metrics_t, links[0].write) == 40, "links[].write");
_Static_assert(sizeof(amdsmi_link_metrics_t) == 3648, "amdsmi_link_metrics_t");
_Static_assert(offsetof(amdsmi_version_t, build) == 16, "version.build: offset 16 in both layouts");
_Static_assert(sizeof(amdsmi_version_t) == 24, "amdsmi_version_t");
#if defined(FAKE_AMDSMI_ABI_24)
_Static_assert(offsetof(amdsmi_version_t, major) == 4, "24: version.major after year");
_Static_assert(offsetof(amdsmi_power_info_t, current_socket_power) == 0, "24: power.current_socket_power");
_Static_assert(offsetof(amdsmi_power_info_t, average_socket_power) == 4, "24: power.average_socket_power");
_Static_assert(sizeof(amdsmi_power_info_t) == 68, "24: amdsmi_power_info_t");
_Static_assert(offsetof(amdsmi_asic_info_t, num_of_compute_units) == 376, "24: asic.num_of_compute_units");
_Static_assert(sizeof(amdsmi_asic_info_t) == 456, "24: amdsmi_asic_info_t");
_Static_assert(offsetof(amdsmi_proc_info_t, pid) == 32, "24: proc.pid");
_Static_assert(offsetof(amdsmi_proc_info_t, mem) == 40, "24: proc.mem");
_Static_assert(offsetof(amdsmi_proc_info_t, memory_usage.vram_mem) == 128, "24: proc.vram_mem");
_Static_assert(sizeof(amdsmi_proc_info_t) == 224, "24: amdsmi_proc_info_t");
#else
_Static_assert(offsetof(amdsmi_version_t, major) == 0, "26: version.major first");
_Static_assert(offsetof(amdsmi_power_info_t, current_socket_power) == 8, "26: power.current_socket_power");
_Static_assert(offsetof(amdsmi_power_info_t, average_socket_power) == 12, "26: power.average_socket_power");
_Static_assert(sizeof(amdsmi_power_info_t) == 192, "26: amdsmi_power_info_t");
_Static_assert(offsetof(amdsmi_asic_info_t, num_of_compute_units) == 216, "26: asic.num_of_compute_units");
_Static_assert(sizeof(amdsmi_asic_info_t) == 320, "26: amdsmi_asic_info_t");
_Static_assert(offsetof(amdsmi_proc_info_t, pid) == 64, "26: proc.pid");
_Static_assert(offsetof(amdsmi_proc_info_t, mem) == 72, "26: proc.mem");
_Static_assert(offsetof(amdsmi_proc_info_t, memory_usage.vram_mem) == 160, "26: proc.vram_mem");
_Static_assert(offsetof(amdsmi_proc_info_t, cu_occupancy) == 272, "26: proc.cu_occupancy");
_Static_assert(sizeof(amdsmi_proc_info_t) == 320, "26: amdsmi_proc_info_t");
#endif

/* ---- entry points (names and argument lists as the header declares them) ---- */
AMDSMI_API amdsmi_status_t amdsmi_init(uint64_t init_flags);
AMDSMI_API amdsmi_status_t amdsmi_shut_down(void);
AMDSMI_API amdsmi_status_t amdsmi_get_lib_version(amdsmi_version_t *version);
AMDSMI_API amdsmi_status_t amdsmi_status_code_to_string(amdsmi_status_t status, const char **status_string);
AMDSMI_API amdsmi_status_t amdsmi_get_socket_handles(uint32_t *socket_count, amdsmi_socket_handle *socket_handles);
AMDSMI_API amdsmi_status_t amdsmi_get_processor_handles(amdsmi_socket_handle socket_handle, uint32_t *processor_count,
                                                        amdsmi_processor_handle *processor_handles);
AMDSMI_API amdsmi_status_t amdsmi_get_processor_type(amdsmi_processor_handle processor_handle,
                                                     processor_type_t *processor_type);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_device_uuid(amdsmi_processor_handle processor_handle,
                                                      unsigned int *uuid_length, char *uuid);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_device_bdf(amdsmi_processor_handle processor_handle, amdsmi_bdf_t *bdf);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_asic_info(amdsmi_processor_handle processor_handle, amdsmi_asic_info_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_kfd_info(amdsmi_processor_handle processor_handle, amdsmi_kfd_info_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_driver_info(amdsmi_processor_handle processor_handle,
                                                      amdsmi_driver_info_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_compute_partition(amdsmi_processor_handle processor_handle,
                                                            char *compute_partition, uint32_t len);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_memory_partition(amdsmi_processor_handle processor_handle,
                                                           char *memory_partition, uint32_t len);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_activity(amdsmi_processor_handle processor_handle,
                                                   amdsmi_engine_usage_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_memory_total(amdsmi_processor_handle processor_handle,
                                                       amdsmi_memory_type_t mem_type, uint64_t *total);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_memory_usage(amdsmi_processor_handle processor_handle,
                                                       amdsmi_memory_type_t mem_type, uint64_t *used);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_vram_usage(amdsmi_processor_handle processor_handle,
                                                     amdsmi_vram_usage_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_temp_metric(amdsmi_processor_handle processor_handle,
                                                  amdsmi_temperature_type_t sensor_type,
                                                  amdsmi_temperature_metric_t metric, int64_t *temperature);
AMDSMI_API amdsmi_status_t amdsmi_get_power_info(amdsmi_processor_handle processor_handle, amdsmi_power_info_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_power_cap_info(amdsmi_processor_handle processor_handle, uint32_t sensor_ind,
                                                     amdsmi_power_cap_info_t *info);
AMDSMI_API amdsmi_status_t amdsmi_get_energy_count(amdsmi_processor_handle processor_handle,
                                                   uint64_t *energy_accumulator, float *counter_resolution,
                                                   uint64_t *timestamp);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_fan_speed(amdsmi_processor_handle processor_handle, uint32_t sensor_ind,
                                                    int64_t *speed);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_fan_speed_max(amdsmi_processor_handle processor_handle,
                                                        uint32_t sensor_ind, uint64_t *max_speed);
AMDSMI_API amdsmi_status_t amdsmi_get_clk_freq(amdsmi_processor_handle processor_handle, amdsmi_clk_type_t clk_type,
                                               amdsmi_frequencies_t *f);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_pci_throughput(amdsmi_processor_handle processor_handle, uint64_t *sent,
                                                         uint64_t *received, uint64_t *max_pkt_sz);
AMDSMI_API amdsmi_status_t amdsmi_get_link_metrics(amdsmi_processor_handle processor_handle,
                                                   amdsmi_link_metrics_t *link_metrics);
AMDSMI_API amdsmi_status_t amdsmi_get_gpu_process_list(amdsmi_processor_handle processor_handle,
                                                       uint32_t *max_processes, amdsmi_proc_info_t *list);

#endif
