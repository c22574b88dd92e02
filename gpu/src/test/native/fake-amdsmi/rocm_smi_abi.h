/*
 * The part of the ROCm SMI C ABI (librocm_smi64.so) that the fake implements, declared for
 * Telegen's tests from the documented API (ROCm/rocm_smi_lib include/rocm_smi/rocm_smi.h): status
 * codes (a sequential enum), the index-based entry points and the structs they fill, pinned with
 * _Static_asserts (x86_64).
 */
#ifndef TELEGEN_FAKE_ROCM_SMI_ABI_H
#define TELEGEN_FAKE_ROCM_SMI_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RSMI_STATUS_SUCCESS = 0,
    RSMI_STATUS_INVALID_ARGS = 1,
    RSMI_STATUS_NOT_SUPPORTED = 2,
    RSMI_STATUS_FILE_ERROR = 3,
    RSMI_STATUS_PERMISSION = 4,
    RSMI_STATUS_OUT_OF_RESOURCES = 5,
    RSMI_STATUS_INTERNAL_EXCEPTION = 6,
    RSMI_STATUS_INPUT_OUT_OF_BOUNDS = 7,
    RSMI_STATUS_INIT_ERROR = 8,
    RSMI_STATUS_NOT_YET_IMPLEMENTED = 9,
    RSMI_STATUS_NOT_FOUND = 10,
    RSMI_STATUS_INSUFFICIENT_SIZE = 11,
    RSMI_STATUS_INTERRUPT = 12,
    RSMI_STATUS_UNEXPECTED_SIZE = 13,
    RSMI_STATUS_NO_DATA = 14,
    RSMI_STATUS_UNEXPECTED_DATA = 15,
    RSMI_STATUS_BUSY = 16,
    RSMI_STATUS_REFCOUNT_OVERFLOW = 17,
    RSMI_STATUS_UNKNOWN_ERROR = 0xFFFFFFFF
} rsmi_status_t;

typedef enum { RSMI_MEM_TYPE_VRAM = 0 } rsmi_memory_type_t;
typedef enum { RSMI_TEMP_TYPE_EDGE = 0, RSMI_TEMP_TYPE_JUNCTION = 1, RSMI_TEMP_TYPE_MEMORY = 2 } rsmi_temperature_type_t;
typedef enum { RSMI_TEMP_CURRENT = 0 } rsmi_temperature_metric_t;
typedef enum { RSMI_CLK_TYPE_SYS = 0, RSMI_CLK_TYPE_MEM = 4 } rsmi_clk_type_t;
typedef enum { RSMI_SW_COMP_DRIVER = 0 } rsmi_sw_component_t;
#define RSMI_MAX_NUM_FREQUENCIES 33
#define RSMI_MAX_FAN_SPEED 255

typedef struct {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
    const char *build;
} rsmi_version_t;

typedef struct {
    bool has_deep_sleep;
    uint32_t num_supported;
    uint32_t current;
    uint64_t frequency[RSMI_MAX_NUM_FREQUENCIES]; /* Hz */
} rsmi_frequencies_t;

typedef struct {
    uint32_t process_id;
    uint32_t pasid;
    uint64_t vram_usage;
    uint64_t sdma_usage;   /* us */
    uint32_t cu_occupancy; /* percent */
} rsmi_process_info_t;

_Static_assert(sizeof(rsmi_status_t) == 4, "rsmi_status_t is 32-bit");
_Static_assert(sizeof(rsmi_version_t) == 24 && offsetof(rsmi_version_t, build) == 16, "rsmi_version_t");
_Static_assert(sizeof(rsmi_frequencies_t) == 280 && offsetof(rsmi_frequencies_t, frequency) == 16,
               "rsmi_frequencies_t");
_Static_assert(sizeof(rsmi_process_info_t) == 32, "rsmi_process_info_t");
_Static_assert(offsetof(rsmi_process_info_t, vram_usage) == 8, "process_info.vram_usage");
_Static_assert(offsetof(rsmi_process_info_t, cu_occupancy) == 24, "process_info.cu_occupancy");

#endif
