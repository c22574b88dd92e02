/*
 * Self-check of the fake libnvidia-ml.so.1, run by build-fake-nvml.sh after every rebuild.
 * It goes through dlopen/dlsym exactly like a binding does and drives every scenario file.
 *
 *   check_fake_nvml <full lib> <old-driver lib> <scenario dir> <scratch dir>
 *
 * Prints one line on success; every failed expectation goes to stderr and the exit code is 1.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvml_abi.h"

/* every entry point of the full (590-class) library */
#define FULL_API(X)                                                                                            \
    X(nvmlInit_v2) X(nvmlInitWithFlags) X(nvmlShutdown) X(nvmlErrorString) X(nvmlSystemGetDriverVersion)       \
    X(nvmlSystemGetNVMLVersion) X(nvmlSystemGetCudaDriverVersion) X(nvmlSystemGetCudaDriverVersion_v2)         \
    X(nvmlDeviceGetCount_v2) X(nvmlDeviceGetHandleByIndex_v2) X(nvmlDeviceGetHandleByUUID)                     \
    X(nvmlDeviceGetIndex) X(nvmlDeviceGetName) X(nvmlDeviceGetUUID) X(nvmlDeviceGetSerial)                     \
    X(nvmlDeviceGetPciInfo_v3) X(nvmlDeviceGetUtilizationRates) X(nvmlDeviceGetMemoryInfo)                     \
    X(nvmlDeviceGetMemoryInfo_v2) X(nvmlDeviceGetTemperature) X(nvmlDeviceGetTemperatureV)                     \
    X(nvmlDeviceGetPowerUsage) X(nvmlDeviceGetEnforcedPowerLimit) X(nvmlDeviceGetPowerManagementLimit)         \
    X(nvmlDeviceGetTotalEnergyConsumption) X(nvmlDeviceGetClockInfo) X(nvmlDeviceGetMaxClockInfo)              \
    X(nvmlDeviceGetPcieThroughput) X(nvmlDeviceGetEncoderUtilization) X(nvmlDeviceGetDecoderUtilization)       \
    X(nvmlDeviceGetNumFans) X(nvmlDeviceGetFanSpeed) X(nvmlDeviceGetFanSpeed_v2)                               \
    X(nvmlDeviceGetCurrentClocksThrottleReasons) X(nvmlDeviceGetCurrentClocksEventReasons)                     \
    X(nvmlDeviceGetComputeRunningProcesses) X(nvmlDeviceGetComputeRunningProcesses_v3)                         \
    X(nvmlDeviceGetMPSComputeRunningProcesses_v3)                                                              \
    X(nvmlDeviceGetProcessUtilization) X(nvmlDeviceGetProcessesUtilizationInfo) X(nvmlDeviceGetMigMode)        \
    X(nvmlDeviceGetMaxMigDeviceCount) X(nvmlDeviceGetMigDeviceHandleByIndex) X(nvmlDeviceIsMigDeviceHandle)    \
    X(nvmlDeviceGetGpuInstanceId) X(nvmlDeviceGetComputeInstanceId)                                            \
    X(nvmlDeviceGetDeviceHandleFromMigDeviceHandle) X(nvmlDeviceGetAttributes_v2)                              \
    X(nvmlDeviceGetGpuInstanceById) X(nvmlGpuInstanceGetInfo) X(nvmlDeviceGetFieldValues)                      \
    X(nvmlGpmQueryDeviceSupport) X(nvmlGpmSampleAlloc) X(nvmlGpmSampleFree) X(nvmlGpmSampleGet)                \
    X(nvmlGpmMigSampleGet) X(nvmlGpmMetricsGet) X(fakeNvmlCallCount) X(fakeNvmlResetCallCount)                \
    X(fakeNvmlResetCounters) X(fakeNvmlMisuses)

/* what an R450-era library does not have */
#define NEWER_API(X)                                                                                           \
    X(nvmlDeviceGetComputeRunningProcesses_v3) X(nvmlDeviceGetMemoryInfo_v2) X(nvmlDeviceGetTemperatureV)      \
    X(nvmlGpmQueryDeviceSupport) X(nvmlGpmSampleAlloc) X(nvmlGpmSampleFree) X(nvmlGpmSampleGet)                \
    X(nvmlGpmMigSampleGet) X(nvmlGpmMetricsGet) X(nvmlDeviceGetProcessesUtilizationInfo)                       \
    X(nvmlDeviceGetCurrentClocksEventReasons) X(nvmlSystemGetCudaDriverVersion_v2)                             \
    X(nvmlDeviceGetMPSComputeRunningProcesses_v3)

#define DECLARE(n) static __typeof__(&n) p_##n;
FULL_API(DECLARE)

static int failures;
static int checks;
static const char *where = "";

#define CHECK(cond, ...)                                                                                       \
    do {                                                                                                       \
        checks++;                                                                                              \
        if (!(cond)) {                                                                                         \
            failures++;                                                                                        \
            fprintf(stderr, "check_fake_nvml: [%s] line %d: FAILED %s: ", where, __LINE__, #cond);             \
            fprintf(stderr, __VA_ARGS__);                                                                      \
            fputc('\n', stderr);                                                                               \
        }                                                                                                      \
    } while (0)
#define EQ(actual, expected)                                                                                   \
    CHECK((long long)(actual) == (long long)(expected), "got %lld, want %lld", (long long)(actual),            \
          (long long)(expected))
#define UEQ(actual, expected)                                                                                  \
    CHECK((unsigned long long)(actual) == (unsigned long long)(expected), "got %llu, want %llu",               \
          (unsigned long long)(actual), (unsigned long long)(expected))
#define STREQ(actual, expected)                                                                                \
    CHECK(strcmp((actual), (expected)) == 0, "got \"%s\", want \"%s\"", (actual), (expected))
#define DEQ(actual, expected)                                                                                  \
    CHECK((actual) > (expected) - 1e-9 && (actual) < (expected) + 1e-9, "got %f, want %f", (double)(actual),   \
          (double)(expected))

#define MiB (1024ull * 1024ull)

static char g_dir[PATH_MAX];
static char g_scratch[PATH_MAX];

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double elapsed_ms(const struct timespec *a) {
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void use_scenario(const char *file) {
    static char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", g_dir, file);
    setenv("FAKE_NVML_SCENARIO", path, 1);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* nvmlInit with stderr silenced (for scenarios that are meant to be rejected) */
static nvmlReturn_t quiet_init(void) {
    fflush(stderr);
    int saved = dup(2);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    nvmlReturn_t r = p_nvmlInit_v2();
    fflush(stderr);
    dup2(saved, 2);
    close(devnull);
    close(saved);
    return r;
}

static nvmlDevice_t handle(unsigned int i) {
    nvmlDevice_t d = NULL;
    EQ(p_nvmlDeviceGetHandleByIndex_v2(i, &d), NVML_SUCCESS);
    return d;
}

static int rc_ok(nvmlReturn_t r) {
    return r == NVML_SUCCESS || r == NVML_ERROR_NOT_SUPPORTED || r == NVML_ERROR_INVALID_ARGUMENT ||
           r == NVML_ERROR_NOT_FOUND || r == NVML_ERROR_INSUFFICIENT_SIZE;
}

/* Calls everything on a device; only plausible return codes and no crash are expected. */
static void smoke_device(nvmlDevice_t d, int with_pcie) {
    char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    unsigned int u = 0, u2 = 0;
    unsigned long long ull = 0;
    nvmlPciInfo_t pci;
    nvmlUtilization_t util;
    nvmlMemory_t mem;
    nvmlMemory_v2_t mem2 = {.version = nvmlMemory_v2};
    nvmlTemperature_t temp = {.version = nvmlTemperature_v1, .sensorType = NVML_TEMPERATURE_GPU};
    nvmlDeviceAttributes_t attr;
    nvmlProcessInfo_t procs[16];
    nvmlProcessInfo_v1_t procs1[16];
    nvmlProcessUtilizationSample_t samples[16];
    nvmlProcessUtilizationInfo_v1_t infos[16];
    nvmlProcessesUtilizationInfo_t pui = {.version = nvmlProcessesUtilizationInfo_v1, .processSamplesCount = 16,
                                          .procUtilArray = infos};
    nvmlGpmSupport_t gs = {.version = NVML_GPM_SUPPORT_VERSION};
    nvmlDevice_t other = NULL;
    nvmlReturn_t rc[64];
    int n = 0;
    rc[n++] = p_nvmlDeviceGetIndex(d, &u);
    rc[n++] = p_nvmlDeviceGetName(d, buf, sizeof buf);
    rc[n++] = p_nvmlDeviceGetUUID(d, buf, sizeof buf);
    rc[n++] = p_nvmlDeviceGetSerial(d, buf, sizeof buf);
    rc[n++] = p_nvmlDeviceGetPciInfo_v3(d, &pci);
    rc[n++] = p_nvmlDeviceGetUtilizationRates(d, &util);
    rc[n++] = p_nvmlDeviceGetMemoryInfo(d, &mem);
    rc[n++] = p_nvmlDeviceGetMemoryInfo_v2(d, &mem2);
    rc[n++] = p_nvmlDeviceGetTemperature(d, NVML_TEMPERATURE_GPU, &u);
    rc[n++] = p_nvmlDeviceGetTemperatureV(d, &temp);
    rc[n++] = p_nvmlDeviceGetPowerUsage(d, &u);
    rc[n++] = p_nvmlDeviceGetEnforcedPowerLimit(d, &u);
    rc[n++] = p_nvmlDeviceGetPowerManagementLimit(d, &u);
    rc[n++] = p_nvmlDeviceGetTotalEnergyConsumption(d, &ull);
    for (int c = 0; c < 4; c++) {
        rc[n++] = p_nvmlDeviceGetClockInfo(d, (nvmlClockType_t)c, &u);
        rc[n++] = p_nvmlDeviceGetMaxClockInfo(d, (nvmlClockType_t)c, &u);
    }
    if (with_pcie) {
        rc[n++] = p_nvmlDeviceGetPcieThroughput(d, NVML_PCIE_UTIL_TX_BYTES, &u);
    }
    rc[n++] = p_nvmlDeviceGetEncoderUtilization(d, &u, &u2);
    rc[n++] = p_nvmlDeviceGetDecoderUtilization(d, &u, &u2);
    rc[n++] = p_nvmlDeviceGetNumFans(d, &u);
    rc[n++] = p_nvmlDeviceGetFanSpeed(d, &u);
    rc[n++] = p_nvmlDeviceGetFanSpeed_v2(d, 0, &u);
    rc[n++] = p_nvmlDeviceGetCurrentClocksThrottleReasons(d, &ull);
    rc[n++] = p_nvmlDeviceGetCurrentClocksEventReasons(d, &ull);
    u = 16;
    rc[n++] = p_nvmlDeviceGetComputeRunningProcesses_v3(d, &u, procs);
    u = 16;
    rc[n++] = p_nvmlDeviceGetComputeRunningProcesses(d, &u, procs1);
    u = 16;
    rc[n++] = p_nvmlDeviceGetMPSComputeRunningProcesses_v3(d, &u, procs);
    u = 16;
    rc[n++] = p_nvmlDeviceGetProcessUtilization(d, samples, &u, 0);
    rc[n++] = p_nvmlDeviceGetProcessesUtilizationInfo(d, &pui);
    rc[n++] = p_nvmlDeviceGetMigMode(d, &u, &u2);
    rc[n++] = p_nvmlDeviceGetMaxMigDeviceCount(d, &u);
    rc[n++] = p_nvmlDeviceGetMigDeviceHandleByIndex(d, 0, &other);
    rc[n++] = p_nvmlDeviceIsMigDeviceHandle(d, &u);
    rc[n++] = p_nvmlDeviceGetGpuInstanceId(d, &u);
    rc[n++] = p_nvmlDeviceGetComputeInstanceId(d, &u);
    rc[n++] = p_nvmlDeviceGetDeviceHandleFromMigDeviceHandle(d, &other);
    rc[n++] = p_nvmlDeviceGetAttributes_v2(d, &attr);
    rc[n++] = p_nvmlGpmQueryDeviceSupport(d, &gs);
    for (int i = 0; i < n; i++) {
        CHECK(rc_ok(rc[i]), "smoke call #%d returned %d (%s)", i, (int)rc[i], p_nvmlErrorString(rc[i]));
    }
}

static void smoke_scenario(const char *file) {
    where = file;
    use_scenario(file);
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    unsigned int count = 0;
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_SUCCESS);
    CHECK(count > 0, "no GPUs");
    for (unsigned int i = 0; i < count; i++) {
        nvmlDevice_t d = handle(i);
        smoke_device(d, i == 0);
        unsigned int max = 0;
        if (p_nvmlDeviceGetMaxMigDeviceCount(d, &max) == NVML_SUCCESS) {
            for (unsigned int m = 0; m < max; m++) {
                nvmlDevice_t mig = NULL;
                if (p_nvmlDeviceGetMigDeviceHandleByIndex(d, m, &mig) == NVML_SUCCESS) {
                    smoke_device(mig, 0);
                }
            }
        }
    }
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

/* ------------------------------------------------------------------------------------------------ */

static void check_uninitialized(void) {
    where = "uninitialized";
    unsigned int count = 0;
    char buf[80];
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_ERROR_UNINITIALIZED);
    EQ(p_nvmlSystemGetDriverVersion(buf, sizeof buf), NVML_ERROR_UNINITIALIZED);
    EQ(p_nvmlShutdown(), NVML_ERROR_UNINITIALIZED);
    nvmlGpmSample_t s = NULL;
    EQ(p_nvmlGpmSampleAlloc(&s), NVML_ERROR_UNINITIALIZED);
    STREQ(p_nvmlErrorString(NVML_ERROR_GPU_IS_LOST), "GPU is lost");
    STREQ(p_nvmlErrorString(NVML_ERROR_NOT_SUPPORTED), "Not Supported");
    STREQ(p_nvmlErrorString((nvmlReturn_t)12345), "Unknown Error");

    unsetenv("FAKE_NVML_SCENARIO");
    EQ(p_nvmlInit_v2(), NVML_ERROR_DRIVER_NOT_LOADED);
    setenv("FAKE_NVML_SCENARIO", "/nonexistent/fake-nvml.conf", 1);
    EQ(p_nvmlInit_v2(), NVML_ERROR_DRIVER_NOT_LOADED);
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_ERROR_UNINITIALIZED);

    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/bad.conf", g_scratch);
    write_file(path, "[gpu 0]\nname = X\nuuid = GPU-1\npci_bus_id = 00000000:01:00.0\nutilisation_gpu = 5\n");
    setenv("FAKE_NVML_SCENARIO", path, 1);
    EQ(quiet_init(), NVML_ERROR_UNKNOWN);
    write_file(path, "[gpu 1]\nname = X\nuuid = GPU-1\npci_bus_id = 00000000:01:00.0\n");
    EQ(quiet_init(), NVML_ERROR_UNKNOWN);
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_ERROR_UNINITIALIZED);
}

static void check_refcount_and_counter(void) {
    where = "refcount";
    use_scenario("gpu-lost.conf");
    unsigned int count = 0;
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    EQ(p_nvmlInitWithFlags(NVML_INIT_FLAG_NO_GPUS), NVML_SUCCESS);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_SUCCESS);
    EQ(count, 2);
    p_fakeNvmlResetCallCount();
    for (int i = 0; i < 3; i++) {
        p_nvmlDeviceGetCount_v2(&count);
    }
    (void)p_nvmlErrorString(NVML_SUCCESS);
    UEQ(p_fakeNvmlCallCount(), 4);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_ERROR_UNINITIALIZED);
    EQ(p_nvmlShutdown(), NVML_ERROR_UNINITIALIZED);
    UEQ(p_fakeNvmlCallCount(), 7);
}

static void check_error_values(void) {
    where = "error-values";
    char path[PATH_MAX * 2], buf[64];
    snprintf(path, sizeof path, "%s/errors.conf", g_scratch);
    write_file(path, "[system]\ndriver_version = 590.48.01\n"
                     "[gpu 0]\nname = NVIDIA H100 80GB HBM3\nuuid = GPU-00000000-0000-0000-0000-000000000001\n"
                     "pci_bus_id = 0000:3b:00.0\nserial = NVML_ERROR_NOT_SUPPORTED\n"
                     "utilization_gpu = NO_PERMISSION   # comment\nutilization_memory = 5\n"
                     "power_usage = UNKNOWN\nmemory_total = 1000\nmemory_used = 100\nmemory_reserved = 10\n");
    setenv("FAKE_NVML_SCENARIO", path, 1);
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t d = handle(0);
    nvmlUtilization_t util;
    unsigned int u = 0;
    int cuda = 0;
    EQ(p_nvmlDeviceGetUtilizationRates(d, &util), NVML_ERROR_NO_PERMISSION);
    EQ(p_nvmlDeviceGetSerial(d, buf, sizeof buf), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetPowerUsage(d, &u), NVML_ERROR_UNKNOWN);
    EQ(p_nvmlDeviceGetTemperature(d, NVML_TEMPERATURE_GPU, &u), NVML_ERROR_NOT_SUPPORTED); /* absent key */
    EQ(p_nvmlSystemGetCudaDriverVersion_v2(&cuda), NVML_ERROR_NOT_SUPPORTED);
    nvmlPciInfo_t pci;
    EQ(p_nvmlDeviceGetPciInfo_v3(d, &pci), NVML_SUCCESS);
    STREQ(pci.busId, "00000000:3B:00.0");
    STREQ(pci.busIdLegacy, "0000:3B:00.0");
    nvmlMemory_t m1;
    nvmlMemory_v2_t m2 = {.version = nvmlMemory_v2};
    EQ(p_nvmlDeviceGetMemoryInfo(d, &m1), NVML_SUCCESS);
    UEQ(m1.used, 110); /* v1: "Sum of Reserved and Allocated" */
    UEQ(m1.free, 890);
    EQ(p_nvmlDeviceGetMemoryInfo_v2(d, &m2), NVML_SUCCESS);
    UEQ(m2.free, 890);
    UEQ(m2.reserved, 10);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

static void check_dgx(void) {
    where = "dgx-h100-nvlink";
    use_scenario("dgx-h100-nvlink.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    unsigned int count = 0, u = 0, u2 = 0;
    int cuda = 0;
    EQ(p_nvmlSystemGetDriverVersion(buf, sizeof buf), NVML_SUCCESS);
    STREQ(buf, "590.48.01");
    EQ(p_nvmlSystemGetDriverVersion(buf, 5), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(p_nvmlSystemGetNVMLVersion(buf, sizeof buf), NVML_SUCCESS);
    STREQ(buf, "13.590.48.01");
    EQ(p_nvmlSystemGetCudaDriverVersion_v2(&cuda), NVML_SUCCESS);
    EQ(cuda, 13010);
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_SUCCESS);
    EQ(count, 8);
    nvmlDevice_t dev[8];
    for (unsigned int i = 0; i < 8; i++) {
        dev[i] = handle(i);
        EQ(p_nvmlDeviceGetIndex(dev[i], &u), NVML_SUCCESS);
        EQ(u, i);
    }
    nvmlDevice_t h = NULL;
    EQ(p_nvmlDeviceGetHandleByIndex_v2(8, &h), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlDeviceGetHandleByIndex_v2(0, NULL), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlDeviceGetName(dev[0], buf, sizeof buf), NVML_SUCCESS);
    STREQ(buf, "NVIDIA H100 80GB HBM3");
    EQ(p_nvmlDeviceGetName(dev[0], buf, 8), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(p_nvmlDeviceGetName(dev[0], NULL, 96), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlDeviceGetName((nvmlDevice_t)(void *)buf, buf, sizeof buf), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlDeviceGetUUID(dev[5], buf, sizeof buf), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetHandleByUUID(buf, &h), NVML_SUCCESS);
    CHECK(h == dev[5], "GetHandleByUUID returned another handle");
    EQ(p_nvmlDeviceGetHandleByUUID("GPU-00000000-0000-0000-0000-000000000000", &h), NVML_ERROR_NOT_FOUND);
    EQ(p_nvmlDeviceGetSerial(dev[0], buf, NVML_DEVICE_SERIAL_BUFFER_SIZE), NVML_SUCCESS);
    EQ(strlen(buf), 13);

    const char *bus[8] = {"18", "2A", "3A", "5D", "9A", "AB", "BA", "DB"};
    for (int i = 0; i < 8; i++) {
        nvmlPciInfo_t pci;
        char want[40];
        memset(&pci, 0xAB, sizeof pci);
        EQ(p_nvmlDeviceGetPciInfo_v3(dev[i], &pci), NVML_SUCCESS);
        snprintf(want, sizeof want, "00000000:%s:00.0", bus[i]);
        STREQ(pci.busId, want);
        snprintf(want, sizeof want, "0000:%s:00.0", bus[i]);
        STREQ(pci.busIdLegacy, want);
        EQ(pci.bus, strtol(bus[i], NULL, 16));
        EQ(pci.domain, 0);
        EQ(pci.device, 0);
        UEQ(pci.pciDeviceId, 0x233010DEu);
        UEQ(pci.pciSubSystemId, 0x16C110DEu);
    }

    nvmlUtilization_t util;
    EQ(p_nvmlDeviceGetUtilizationRates(dev[0], &util), NVML_SUCCESS);
    EQ(util.gpu, 99);
    EQ(util.memory, 41);
    nvmlMemory_t m1;
    nvmlMemory_v2_t m2 = {.version = 0x01000028u};
    EQ(p_nvmlDeviceGetMemoryInfo_v2(dev[0], &m2), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    m2.version = nvmlMemory_v2;
    EQ(p_nvmlDeviceGetMemoryInfo_v2(dev[0], &m2), NVML_SUCCESS);
    UEQ(m2.total, 81559 * MiB);
    UEQ(m2.reserved, 479 * MiB);
    UEQ(m2.used, 71234 * MiB);
    UEQ(m2.free, (81559 - 479 - 71234) * MiB);
    EQ(p_nvmlDeviceGetMemoryInfo(dev[0], &m1), NVML_SUCCESS);
    UEQ(m1.total, 81559 * MiB);
    UEQ(m1.used, (479 + 71234) * MiB);
    UEQ(m1.free, (81559 - 479 - 71234) * MiB);
    EQ(p_nvmlDeviceGetTemperature(dev[0], NVML_TEMPERATURE_GPU, &u), NVML_SUCCESS);
    EQ(u, 58);
    EQ(p_nvmlDeviceGetTemperature(dev[0], (nvmlTemperatureSensors_t)1, &u), NVML_ERROR_INVALID_ARGUMENT);
    nvmlTemperature_t tv = {.version = nvmlTemperature_v1, .sensorType = NVML_TEMPERATURE_GPU};
    EQ(p_nvmlDeviceGetTemperatureV(dev[1], &tv), NVML_SUCCESS);
    EQ(tv.temperature, 61);
    tv.version = 2;
    EQ(p_nvmlDeviceGetTemperatureV(dev[1], &tv), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    EQ(p_nvmlDeviceGetPowerUsage(dev[0], &u), NVML_SUCCESS);
    EQ(u, 662310);
    EQ(p_nvmlDeviceGetEnforcedPowerLimit(dev[0], &u), NVML_SUCCESS);
    EQ(u, 700000);
    EQ(p_nvmlDeviceGetPowerManagementLimit(dev[0], &u), NVML_SUCCESS);
    EQ(u, 700000);
    EQ(p_nvmlDeviceGetClockInfo(dev[1], NVML_CLOCK_SM, &u), NVML_SUCCESS);
    EQ(u, 1755);
    EQ(p_nvmlDeviceGetMaxClockInfo(dev[1], NVML_CLOCK_SM, &u), NVML_SUCCESS);
    EQ(u, 1980);
    EQ(p_nvmlDeviceGetClockInfo(dev[1], NVML_CLOCK_MEM, &u), NVML_SUCCESS);
    EQ(u, 2619);
    EQ(p_nvmlDeviceGetClockInfo(dev[1], (nvmlClockType_t)4, &u), NVML_ERROR_INVALID_ARGUMENT);
    unsigned long long reasons = 0;
    EQ(p_nvmlDeviceGetCurrentClocksEventReasons(dev[1], &reasons), NVML_SUCCESS);
    UEQ(reasons, 0x4);
    EQ(p_nvmlDeviceGetCurrentClocksThrottleReasons(dev[4], &reasons), NVML_SUCCESS);
    UEQ(reasons, 0x1);
    EQ(p_nvmlDeviceGetNumFans(dev[0], &u), NVML_SUCCESS);
    EQ(u, 0);
    EQ(p_nvmlDeviceGetFanSpeed(dev[0], &u), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetFanSpeed_v2(dev[0], 0, &u), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetEncoderUtilization(dev[0], &u, &u2), NVML_SUCCESS);
    EQ(u, 0);
    EQ(u2, 167000);
    unsigned int mode = 9, pending = 9;
    EQ(p_nvmlDeviceGetMigMode(dev[0], &mode, &pending), NVML_SUCCESS);
    EQ(mode, 0);
    EQ(pending, 0);
    EQ(p_nvmlDeviceGetMaxMigDeviceCount(dev[0], &u), NVML_SUCCESS);
    EQ(u, 0);
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(dev[0], 0, &h), NVML_ERROR_NOT_SUPPORTED);
    nvmlDeviceAttributes_t attr;
    EQ(p_nvmlDeviceGetAttributes_v2(dev[0], &attr), NVML_ERROR_NOT_SUPPORTED);

    /* PCIe throughput sleeps like the real 20 ms sampling window */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EQ(p_nvmlDeviceGetPcieThroughput(dev[0], NVML_PCIE_UTIL_TX_BYTES, &u), NVML_SUCCESS);
    EQ(u, 8113);
    EQ(p_nvmlDeviceGetPcieThroughput(dev[0], NVML_PCIE_UTIL_RX_BYTES, &u), NVML_SUCCESS);
    EQ(u, 17402);
    double ms = elapsed_ms(&t0);
    CHECK(ms >= 39.0, "two PCIe reads took %.1f ms, want >= 40", ms);

    /* energy: a cumulative counter that moves by energy_step per read */
    unsigned long long e1 = 0, e2 = 0;
    EQ(p_nvmlDeviceGetTotalEnergyConsumption(dev[0], &e1), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetTotalEnergyConsumption(dev[0], &e2), NVML_SUCCESS);
    UEQ(e1, 1386412977120ull);
    UEQ(e2 - e1, 6623100ull);

    /* field values: per-entry status, NVLink per link and summed */
    nvmlFieldValue_t fv[10];
    memset(fv, 0, sizeof fv);
    const unsigned int ids[10] = {NVML_FI_DEV_MEMORY_TEMP, NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION,
                                  NVML_FI_DEV_NVLINK_LINK_COUNT, NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX,
                                  NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX, NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX,
                                  NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_RX, 999, NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX,
                                  186};
    const unsigned int scopes[10] = {0, 0, 0, 0, 17, UINT_MAX, 1, 0, 18, 0};
    for (int i = 0; i < 10; i++) {
        fv[i].fieldId = ids[i];
        fv[i].scopeId = scopes[i];
    }
    EQ(p_nvmlDeviceGetFieldValues(dev[0], 10, fv), NVML_SUCCESS);
    const unsigned long long tx = 4812331200ull, rx = 4809977600ull;
    EQ(fv[0].nvmlReturn, NVML_SUCCESS);
    EQ(fv[0].valueType, NVML_VALUE_TYPE_UNSIGNED_INT);
    EQ(fv[0].value.uiVal, 64);
    CHECK(fv[0].timestamp > 0, "no timestamp");
    EQ(fv[1].nvmlReturn, NVML_SUCCESS);
    UEQ(fv[1].value.ullVal, 1386412977120ull + 2 * 6623100ull);
    EQ(fv[2].value.uiVal, 18);
    EQ(fv[3].valueType, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG);
    UEQ(fv[3].value.ullVal, tx);
    UEQ(fv[4].value.ullVal, tx + 17000);
    UEQ(fv[5].value.ullVal, 18 * tx + 1000ull * (17 * 18 / 2));
    UEQ(fv[6].value.ullVal, rx + 1000);
    EQ(fv[7].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    EQ(fv[8].nvmlReturn, NVML_ERROR_INVALID_ARGUMENT);
    EQ(fv[9].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetFieldValues(dev[0], 1, &fv[3]), NVML_SUCCESS);
    UEQ(fv[3].value.ullVal, tx + 1843200ull);
    EQ(p_nvmlDeviceGetFieldValues(dev[0], 1, NULL), NVML_ERROR_INVALID_ARGUMENT);

    /* running processes: the two-call convention */
    nvmlProcessInfo_t procs[4];
    memset(procs, 0, sizeof procs);
    unsigned int n = 0;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(dev[0], &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 2);
    n = 1;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(dev[0], &n, procs), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 2);
    n = 4;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(dev[0], &n, procs), NVML_SUCCESS);
    EQ(n, 2);
    EQ(procs[0].pid, 48211);
    UEQ(procs[0].usedGpuMemory, 70656 * MiB);
    UEQ(procs[0].gpuInstanceId, 0xFFFFFFFFu);
    UEQ(procs[0].computeInstanceId, 0xFFFFFFFFu);
    EQ(procs[1].pid, 48301);
    n = 0;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(dev[4], &n, NULL), NVML_SUCCESS);
    EQ(n, 0);
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(dev[0], NULL, procs), NVML_ERROR_INVALID_ARGUMENT);
    nvmlProcessInfo_v1_t p1[2];
    n = 2;
    EQ(p_nvmlDeviceGetComputeRunningProcesses(dev[0], &n, p1), NVML_SUCCESS);
    EQ(p1[1].pid, 48301);
    UEQ(p1[1].usedGpuMemory, 512 * MiB);

    /* process utilization: sizing call, samples, lastSeenTimeStamp -> NOT_FOUND, fresh after a query */
    nvmlProcessUtilizationSample_t s[4];
    n = 0;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[0], NULL, &n, 0), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 2);
    n = 1;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[0], s, &n, 0), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 2);
    n = 4;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[0], s, &n, 0), NVML_SUCCESS);
    EQ(n, 2);
    EQ(s[0].pid, 48211);
    EQ(s[0].smUtil, 96);
    EQ(s[0].memUtil, 38);
    EQ(s[1].pid, 48301);
    unsigned long long last = s[0].timeStamp;
    CHECK(last > 1600000000ull * 1000000ull, "timestamp %llu is not CPU time in us", last);
    EQ(s[1].timeStamp, last);
    n = 4;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[0], s, &n, last), NVML_ERROR_NOT_FOUND);
    n = 0;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[0], NULL, &n, last), NVML_SUCCESS);
    EQ(n, 0);
    EQ(p_nvmlDeviceGetPowerUsage(dev[0], &u), NVML_SUCCESS); /* another query: a new sample period */
    n = 4;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[0], s, &n, last), NVML_SUCCESS);
    EQ(n, 2);
    CHECK(s[0].timeStamp > last, "timestamp did not advance: %llu <= %llu", s[0].timeStamp, last);
    n = 0;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[4], NULL, &n, 0), NVML_SUCCESS); /* idle GPU */
    EQ(n, 0);
    n = 4;
    EQ(p_nvmlDeviceGetProcessUtilization(dev[4], s, &n, 0), NVML_ERROR_NOT_FOUND);

    nvmlProcessUtilizationInfo_v1_t infos[4];
    nvmlProcessesUtilizationInfo_t pui = {.version = 0x01000020u};
    EQ(p_nvmlDeviceGetProcessesUtilizationInfo(dev[6], &pui), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    pui.version = nvmlProcessesUtilizationInfo_v1;
    EQ(p_nvmlDeviceGetProcessesUtilizationInfo(dev[6], &pui), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(pui.processSamplesCount, 1);
    pui.procUtilArray = infos;
    EQ(p_nvmlDeviceGetProcessesUtilizationInfo(dev[6], &pui), NVML_SUCCESS);
    EQ(pui.processSamplesCount, 1);
    EQ(infos[0].pid, 51207);
    EQ(infos[0].smUtil, 71);
    pui.lastSeenTimeStamp = infos[0].timeStamp;
    EQ(p_nvmlDeviceGetProcessesUtilizationInfo(dev[6], &pui), NVML_ERROR_NOT_FOUND);

    /* GPM: version, two samples >= 100 ms apart, same device, only numMetrics entries touched */
    nvmlGpmSupport_t gs = {.version = NVML_GPM_SUPPORT_VERSION};
    EQ(p_nvmlGpmQueryDeviceSupport(dev[0], &gs), NVML_SUCCESS);
    EQ(gs.isSupportedDevice, 1);
    gs.version = 2;
    EQ(p_nvmlGpmQueryDeviceSupport(dev[0], &gs), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    nvmlGpmSample_t s1 = NULL, s2 = NULL, s3 = NULL;
    EQ(p_nvmlGpmSampleAlloc(&s1), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleAlloc(&s2), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleAlloc(&s3), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleAlloc(NULL), NVML_ERROR_INVALID_ARGUMENT);
    /* a caller compiled against an older header (smaller NVML_GPM_METRIC_MAX): 4 entries, then a canary */
    struct {
        unsigned int version;
        unsigned int numMetrics;
        nvmlGpmSample_t sample1;
        nvmlGpmSample_t sample2;
        nvmlGpmMetric_t metrics[4];
        unsigned char canary[64];
    } small;
    _Static_assert(offsetof(__typeof__(small), metrics) == offsetof(nvmlGpmMetricsGet_t, metrics), "layout");
    memset(&small, 0x5A, sizeof small);
    __typeof__(small) *mg = &small;
    mg->version = NVML_GPM_METRICS_GET_VERSION;
    mg->numMetrics = 4;
    mg->metrics[0].metricId = NVML_GPM_METRIC_SM_UTIL;
    mg->metrics[1].metricId = NVML_GPM_METRIC_SM_OCCUPANCY;
    mg->metrics[2].metricId = NVML_GPM_METRIC_ANY_TENSOR_UTIL;
    mg->metrics[3].metricId = 42;
    EQ(p_nvmlGpmSampleGet(dev[0], s1), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(dev[0], s2), NVML_SUCCESS);
    mg->sample1 = s1;
    mg->sample2 = s2;
    EQ(p_nvmlGpmMetricsGet((nvmlGpmMetricsGet_t *)mg), NVML_ERROR_INVALID_ARGUMENT); /* too close together */
    sleep_ms(105);
    EQ(p_nvmlGpmSampleGet(dev[0], s2), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(dev[1], s3), NVML_SUCCESS);
    mg->version = 2;
    EQ(p_nvmlGpmMetricsGet((nvmlGpmMetricsGet_t *)mg), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    mg->version = NVML_GPM_METRICS_GET_VERSION;
    EQ(p_nvmlGpmMetricsGet((nvmlGpmMetricsGet_t *)mg), NVML_SUCCESS);
    EQ(mg->metrics[0].nvmlReturn, NVML_SUCCESS);
    DEQ(mg->metrics[0].value, 83.1);
    DEQ(mg->metrics[1].value, 41.7);
    DEQ(mg->metrics[2].value, 62.4);
    EQ(mg->metrics[3].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    int intact = 1;
    for (size_t i = 0; i < sizeof mg->canary; i++) {
        intact &= mg->canary[i] == 0x5A;
    }
    CHECK(intact, "nvmlGpmMetricsGet wrote past metrics[numMetrics-1]");
    mg->sample2 = s3;
    EQ(p_nvmlGpmMetricsGet((nvmlGpmMetricsGet_t *)mg), NVML_ERROR_INVALID_ARGUMENT); /* different devices */
    EQ(p_nvmlGpmMigSampleGet(dev[0], 1, s1), NVML_ERROR_NOT_SUPPORTED); /* MIG off */
    EQ(p_nvmlGpmSampleFree(s1), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleFree(s2), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleFree(s3), NVML_SUCCESS);

    EQ(p_nvmlShutdown(), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetName(dev[0], buf, sizeof buf), NVML_ERROR_UNINITIALIZED);
}

/* A utility-only container on a B200 (no libcuda, NVLink5 byte counters), the v1-only memory driver,
 * counters that restart after a reset, and GPM samples used after they were freed. */
static void check_quirks(void) {
    where = "b200-utility-container";
    use_scenario("b200-utility-container.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    int cuda = 0;
    EQ(p_nvmlSystemGetCudaDriverVersion_v2(&cuda), NVML_ERROR_LIBRARY_NOT_FOUND);
    EQ(p_nvmlSystemGetCudaDriverVersion(&cuda), NVML_SUCCESS);
    EQ(cuda, 13010);
    nvmlDevice_t d = handle(0);
    const unsigned long long tx = 7340032000ull, step = 3686400ull;
    nvmlFieldValue_t fv[5];
    memset(fv, 0, sizeof fv);
    const unsigned int ids[5] = {NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX, NVML_FI_DEV_NVLINK_COUNT_XMIT_BYTES,
                                 NVML_FI_DEV_NVLINK_COUNT_XMIT_BYTES, NVML_FI_DEV_NVLINK_COUNT_XMIT_BYTES,
                                 NVML_FI_DEV_NVLINK_COUNT_RCV_BYTES};
    const unsigned int scopes[5] = {0, 0, 17, UINT_MAX, 18};
    for (int i = 0; i < 5; i++) {
        fv[i].fieldId = ids[i];
        fv[i].scopeId = scopes[i];
    }
    EQ(p_nvmlDeviceGetFieldValues(d, 5, fv), NVML_SUCCESS);
    EQ(fv[0].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    UEQ(fv[1].value.ullVal, tx * 1024);
    UEQ(fv[2].value.ullVal, (tx + 17000) * 1024);
    UEQ(fv[3].value.ullVal, (18 * tx + 1000ull * (17 * 18 / 2)) * 1024);
    EQ(fv[4].nvmlReturn, NVML_ERROR_INVALID_ARGUMENT);
    /* a reset: energy and NVLink restart from 0 and count on from there */
    unsigned long long e1 = 0, e2 = 0;
    EQ(p_nvmlDeviceGetTotalEnergyConsumption(d, &e1), NVML_SUCCESS);
    p_fakeNvmlResetCounters(0);
    EQ(p_nvmlDeviceGetTotalEnergyConsumption(d, &e2), NVML_SUCCESS);
    UEQ(e2, 0);
    EQ(p_nvmlDeviceGetTotalEnergyConsumption(d, &e2), NVML_SUCCESS);
    UEQ(e2, 8712500ull);
    EQ(p_nvmlDeviceGetFieldValues(d, 2, fv), NVML_SUCCESS);
    UEQ(fv[1].value.ullVal, 0);
    EQ(p_nvmlDeviceGetFieldValues(d, 2, fv), NVML_SUCCESS);
    UEQ(fv[1].value.ullVal, step * 1024);
    /* a freed sample is recognised without being touched, and counted as a misuse */
    nvmlGpmSample_t s = NULL;
    unsigned long long misuses = p_fakeNvmlMisuses();
    EQ(p_nvmlGpmSampleAlloc(&s), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(d, s), NVML_SUCCESS);
    UEQ(p_fakeNvmlMisuses(), misuses);
    EQ(p_nvmlGpmSampleFree(s), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(d, s), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlGpmSampleFree(s), NVML_ERROR_INVALID_ARGUMENT);
    UEQ(p_fakeNvmlMisuses(), misuses + 2);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);

    where = "memory-v1-only";
    use_scenario("memory-v1-only.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    d = handle(0);
    nvmlMemory_t m1;
    nvmlMemory_v2_t m2 = {.version = nvmlMemory_v2};
    EQ(p_nvmlDeviceGetMemoryInfo_v2(d, &m2), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetMemoryInfo(d, &m1), NVML_SUCCESS);
    UEQ(m1.used, (500 + 31205) * MiB);
    UEQ(m1.free, m1.total - m1.used);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

static void check_h100_mig(void) {
    where = "h100-mig";
    use_scenario("h100-mig.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t gpu = handle(0);
    unsigned int u = 0, u2 = 0, mode = 0, pending = 0;
    char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    EQ(p_nvmlDeviceGetMigMode(gpu, &mode, &pending), NVML_SUCCESS);
    EQ(mode, 1);
    EQ(pending, 1);
    EQ(p_nvmlDeviceGetMaxMigDeviceCount(gpu, &u), NVML_SUCCESS);
    EQ(u, 7);
    EQ(p_nvmlDeviceIsMigDeviceHandle(gpu, &u), NVML_SUCCESS);
    EQ(u, 0);
    EQ(p_nvmlDeviceGetGpuInstanceId(gpu, &u), NVML_ERROR_INVALID_ARGUMENT);

    const unsigned int gi[4] = {2, 3, 9, 10};
    const unsigned int sms[4] = {60, 32, 16, 16};
    const unsigned long long fb[4] = {40448, 20096, 9984, 9984};
    const char *names[4] = {"NVIDIA H100 80GB HBM3 MIG 3g.40gb", "NVIDIA H100 80GB HBM3 MIG 2g.20gb",
                            "NVIDIA H100 80GB HBM3 MIG 1g.10gb", "NVIDIA H100 80GB HBM3 MIG 1g.10gb"};
    nvmlDevice_t mig[4];
    for (unsigned int i = 0; i < 7; i++) {
        nvmlDevice_t m = NULL;
        nvmlReturn_t r = p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, i, &m);
        if (i >= 4) {
            EQ(r, NVML_ERROR_NOT_FOUND);
            continue;
        }
        EQ(r, NVML_SUCCESS);
        mig[i] = m;
        CHECK(m != gpu, "MIG handle equals the parent handle");
        EQ(p_nvmlDeviceIsMigDeviceHandle(m, &u), NVML_SUCCESS);
        EQ(u, 1);
        EQ(p_nvmlDeviceGetGpuInstanceId(m, &u), NVML_SUCCESS);
        EQ(u, gi[i]);
        EQ(p_nvmlDeviceGetComputeInstanceId(m, &u), NVML_SUCCESS);
        EQ(u, 0);
        EQ(p_nvmlDeviceGetName(m, buf, sizeof buf), NVML_SUCCESS);
        STREQ(buf, names[i]);
        nvmlDevice_t parent = NULL;
        EQ(p_nvmlDeviceGetDeviceHandleFromMigDeviceHandle(m, &parent), NVML_SUCCESS);
        CHECK(parent == gpu, "parent handle differs");
        nvmlDeviceAttributes_t attr;
        EQ(p_nvmlDeviceGetAttributes_v2(m, &attr), NVML_SUCCESS);
        EQ(attr.multiprocessorCount, sms[i]);
        UEQ(attr.memorySizeMB, fb[i]);
        EQ(attr.gpuInstanceSliceCount, i == 0 ? 3 : i == 1 ? 2 : 1);
        nvmlMemory_v2_t m2 = {.version = nvmlMemory_v2};
        EQ(p_nvmlDeviceGetMemoryInfo_v2(m, &m2), NVML_SUCCESS);
        UEQ(m2.total, fb[i] * MiB);
        EQ(p_nvmlDeviceGetUUID(m, buf, sizeof buf), NVML_SUCCESS);
        CHECK(strncmp(buf, "MIG-", 4) == 0, "MIG uuid %s", buf);
        nvmlDevice_t back = NULL;
        EQ(p_nvmlDeviceGetHandleByUUID(buf, &back), NVML_SUCCESS);
        CHECK(back == m, "GetHandleByUUID(MIG uuid) returned another handle");
        EQ(p_nvmlDeviceGetTemperature(m, NVML_TEMPERATURE_GPU, &u), NVML_ERROR_NOT_SUPPORTED);
    }
    nvmlDevice_t m = NULL;
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 7, &m), NVML_ERROR_INVALID_ARGUMENT);
    nvmlDeviceAttributes_t attr;
    EQ(p_nvmlDeviceGetAttributes_v2(gpu, &attr), NVML_ERROR_NOT_SUPPORTED);
    nvmlMemory_v2_t m2 = {.version = nvmlMemory_v2};
    EQ(p_nvmlDeviceGetMemoryInfo_v2(mig[0], &m2), NVML_SUCCESS);
    UEQ(m2.used, 11091 * MiB);
    EQ(p_nvmlDeviceGetMemoryInfo_v2(gpu, &m2), NVML_SUCCESS);
    UEQ(m2.total, 81559 * MiB);
    UEQ(m2.reserved, 479 * MiB);
    UEQ(m2.used, 11125 * MiB);
    UEQ(m2.free, 69956 * MiB);

    /* what a MIG-enabled parent refuses */
    nvmlUtilization_t util;
    EQ(p_nvmlDeviceGetUtilizationRates(gpu, &util), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetUtilizationRates(mig[0], &util), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetEncoderUtilization(gpu, &u, &u2), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetDecoderUtilization(gpu, &u, &u2), NVML_ERROR_NOT_SUPPORTED);
    unsigned int n = 0;
    EQ(p_nvmlDeviceGetProcessUtilization(gpu, NULL, &n, 0), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetFanSpeed(gpu, &u), NVML_ERROR_NOT_SUPPORTED);
    nvmlFieldValue_t fv[3] = {{.fieldId = NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX, .scopeId = UINT_MAX},
                              {.fieldId = NVML_FI_DEV_NVLINK_LINK_COUNT},
                              {.fieldId = NVML_FI_DEV_MEMORY_TEMP}};
    EQ(p_nvmlDeviceGetFieldValues(gpu, 3, fv), NVML_SUCCESS);
    EQ(fv[0].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    EQ(fv[1].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    EQ(fv[2].nvmlReturn, NVML_SUCCESS);
    EQ(fv[2].value.uiVal, 58);

    /* what it still answers: physical values from the capture */
    EQ(p_nvmlDeviceGetPowerUsage(gpu, &u), NVML_SUCCESS);
    EQ(u, 432210);
    EQ(p_nvmlDeviceGetTemperature(gpu, NVML_TEMPERATURE_GPU, &u), NVML_SUCCESS);
    EQ(u, 53);
    EQ(p_nvmlDeviceGetClockInfo(gpu, NVML_CLOCK_MEM, &u), NVML_SUCCESS);
    EQ(u, 2619);
    nvmlPciInfo_t pci;
    EQ(p_nvmlDeviceGetPciInfo_v3(gpu, &pci), NVML_SUCCESS);
    STREQ(pci.busId, "00000000:00:09.0");
    EQ(pci.device, 9);

    /* processes: aggregate on the parent, per instance on MIG handles */
    nvmlProcessInfo_t procs[8];
    n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(gpu, &n, procs), NVML_SUCCESS);
    EQ(n, 3);
    EQ(procs[2].pid, 21198);
    UEQ(procs[2].usedGpuMemory, 7484 * MiB);
    EQ(procs[2].gpuInstanceId, 2);
    EQ(procs[2].computeInstanceId, 0);
    n = 0;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(mig[0], &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 3);
    n = 0;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(mig[1], &n, NULL), NVML_SUCCESS);
    EQ(n, 0);

    /* GPU instances */
    nvmlGpuInstance_t gih = NULL;
    nvmlGpuInstanceInfo_t gii;
    EQ(p_nvmlDeviceGetGpuInstanceById(gpu, 10, &gih), NVML_SUCCESS);
    EQ(p_nvmlGpuInstanceGetInfo(gih, &gii), NVML_SUCCESS);
    EQ(gii.id, 10);
    EQ(gii.profileId, 0);
    CHECK(gii.device == gpu, "GPU instance parent");
    EQ(p_nvmlDeviceGetGpuInstanceById(gpu, 4, &gih), NVML_ERROR_NOT_FOUND);

    /* GPM per GPU instance: nvmlGpmMigSampleGet(parent, GI) == nvmlGpmSampleGet(MIG handle) */
    nvmlGpmSample_t s1 = NULL, s2 = NULL, g1 = NULL, g2 = NULL;
    p_nvmlGpmSampleAlloc(&s1);
    p_nvmlGpmSampleAlloc(&s2);
    p_nvmlGpmSampleAlloc(&g1);
    p_nvmlGpmSampleAlloc(&g2);
    EQ(p_nvmlGpmMigSampleGet(gpu, 9, s1), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(gpu, g1), NVML_SUCCESS);
    EQ(p_nvmlGpmMigSampleGet(gpu, 5, s2), NVML_ERROR_NOT_FOUND);
    EQ(p_nvmlGpmMigSampleGet(mig[0], 2, s2), NVML_ERROR_INVALID_ARGUMENT);
    sleep_ms(105);
    EQ(p_nvmlGpmSampleGet(mig[2], s2), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(gpu, g2), NVML_SUCCESS);
    nvmlGpmMetricsGet_t *mg = calloc(1, sizeof *mg);
    mg->version = NVML_GPM_METRICS_GET_VERSION;
    mg->numMetrics = 2;
    mg->metrics[0].metricId = NVML_GPM_METRIC_SM_UTIL;
    mg->metrics[1].metricId = NVML_GPM_METRIC_PCIE_TX_PER_SEC;
    mg->sample1 = s1;
    mg->sample2 = s2;
    EQ(p_nvmlGpmMetricsGet(mg), NVML_SUCCESS);
    EQ(mg->metrics[0].nvmlReturn, NVML_SUCCESS);
    DEQ(mg->metrics[0].value, 12.5);
    EQ(mg->metrics[1].nvmlReturn, NVML_ERROR_NOT_SUPPORTED); /* not set for that instance */
    mg->sample1 = g1;
    mg->sample2 = g2;
    EQ(p_nvmlGpmMetricsGet(mg), NVML_SUCCESS);
    DEQ(mg->metrics[0].value, 44.2);
    DEQ(mg->metrics[1].value, 8.9);
    mg->sample1 = g1;
    mg->sample2 = s2;
    EQ(p_nvmlGpmMetricsGet(mg), NVML_ERROR_INVALID_ARGUMENT); /* whole GPU vs GPU instance */
    free(mg);
    p_nvmlGpmSampleFree(s1);
    p_nvmlGpmSampleFree(s2);
    p_nvmlGpmSampleFree(g1);
    p_nvmlGpmSampleFree(g2);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

static void check_a100(void) {
    where = "a100-mig-no-gpm";
    use_scenario("a100-mig-no-gpm.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t gpu = handle(0);
    nvmlPciInfo_t pci;
    EQ(p_nvmlDeviceGetPciInfo_v3(gpu, &pci), NVML_SUCCESS);
    UEQ(pci.pciDeviceId, 0x20B210DEu);
    nvmlGpmSupport_t gs = {.version = NVML_GPM_SUPPORT_VERSION, .isSupportedDevice = 7};
    EQ(p_nvmlGpmQueryDeviceSupport(gpu, &gs), NVML_SUCCESS);
    EQ(gs.isSupportedDevice, 0);
    nvmlGpmSample_t s = NULL;
    EQ(p_nvmlGpmSampleAlloc(&s), NVML_SUCCESS);
    EQ(p_nvmlGpmSampleGet(gpu, s), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlGpmMigSampleGet(gpu, 1, s), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlGpmSampleFree(s), NVML_SUCCESS);
    const unsigned int gi[3] = {1, 5, 13};
    const unsigned int nproc[3] = {2, 1, 0};
    char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    for (unsigned int i = 0; i < 3; i++) {
        nvmlDevice_t m = NULL;
        unsigned int u = 0, n = 0;
        EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, i, &m), NVML_SUCCESS);
        EQ(p_nvmlDeviceGetGpuInstanceId(m, &u), NVML_SUCCESS);
        EQ(u, gi[i]);
        EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(m, &n, NULL), nproc[i] ? NVML_ERROR_INSUFFICIENT_SIZE : 0);
        EQ(n, nproc[i]);
        if (i == 0) {
            EQ(p_nvmlDeviceGetName(m, buf, sizeof buf), NVML_SUCCESS);
            STREQ(buf, "NVIDIA A100-SXM4-80GB MIG 3g.40gb");
        }
    }
    nvmlDevice_t m = NULL;
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 3, &m), NVML_ERROR_NOT_FOUND);
    unsigned int n = 0;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(gpu, &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 3);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

static void check_rtx(void) {
    where = "pcie-rtx6000ada-fan";
    use_scenario("pcie-rtx6000ada-fan.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t d = handle(0);
    unsigned int u = 0, u2 = 0;
    EQ(p_nvmlDeviceGetNumFans(d, &u), NVML_SUCCESS);
    EQ(u, 1);
    EQ(p_nvmlDeviceGetFanSpeed(d, &u), NVML_SUCCESS);
    EQ(u, 38);
    EQ(p_nvmlDeviceGetFanSpeed_v2(d, 0, &u), NVML_SUCCESS);
    EQ(u, 38);
    EQ(p_nvmlDeviceGetFanSpeed_v2(d, 1, &u), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlDeviceGetEncoderUtilization(d, &u, &u2), NVML_SUCCESS);
    EQ(u, 12);
    EQ(p_nvmlDeviceGetDecoderUtilization(d, &u, &u2), NVML_SUCCESS);
    EQ(u, 7);
    EQ(p_nvmlDeviceGetMigMode(d, &u, &u2), NVML_ERROR_NOT_SUPPORTED);
    EQ(p_nvmlDeviceGetMaxMigDeviceCount(d, &u), NVML_SUCCESS);
    EQ(u, 0);
    nvmlFieldValue_t fv[3] = {{.fieldId = NVML_FI_DEV_NVLINK_LINK_COUNT},
                              {.fieldId = NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_RX, .scopeId = 0},
                              {.fieldId = NVML_FI_DEV_MEMORY_TEMP}};
    EQ(p_nvmlDeviceGetFieldValues(d, 3, fv), NVML_SUCCESS);
    EQ(fv[0].nvmlReturn, NVML_SUCCESS);
    EQ(fv[0].value.uiVal, 0);
    EQ(fv[1].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    EQ(fv[2].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
    nvmlGpmSupport_t gs = {.version = NVML_GPM_SUPPORT_VERSION};
    EQ(p_nvmlGpmQueryDeviceSupport(d, &gs), NVML_SUCCESS);
    EQ(gs.isSupportedDevice, 0);
    nvmlProcessUtilizationSample_t s[2];
    unsigned int n = 2;
    EQ(p_nvmlDeviceGetProcessUtilization(d, s, &n, 0), NVML_SUCCESS);
    EQ(n, 1);
    EQ(s[0].pid, 7731);
    EQ(s[0].encUtil, 12);
    EQ(s[0].decUtil, 7);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

/* many-processes: every process's newest sample has its own timestamp, in no order; lastSeenTimeStamp
 * filters per sample; one process has an older second sample, one an impossible value */
static void check_unordered_samples(void) {
    where = "many-processes";
    use_scenario("many-processes.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t d = handle(0);
    static nvmlProcessUtilizationSample_t s[64];
    unsigned int n = 0;
    EQ(p_nvmlDeviceGetProcessUtilization(d, NULL, &n, 0), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 42); /* 41 busy processes, one with two samples */
    n = 16;
    EQ(p_nvmlDeviceGetProcessUtilization(d, s, &n, 0), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 42);
    n = 64;
    EQ(p_nvmlDeviceGetProcessUtilization(d, s, &n, 0), NVML_SUCCESS);
    EQ(n, 42);
    unsigned long long newest = 0, oldest = ~0ull;
    int descending = 0, ascending = 0;
    for (unsigned int k = 0; k < n; k++) {
        newest = s[k].timeStamp > newest ? s[k].timeStamp : newest;
        oldest = s[k].timeStamp < oldest ? s[k].timeStamp : oldest;
        if (k > 0) {
            descending += s[k].timeStamp < s[k - 1].timeStamp;
            ascending += s[k].timeStamp > s[k - 1].timeStamp;
        }
    }
    CHECK(descending > 0 && ascending > 0, "timestamps are ordered (%d up, %d down)", ascending, descending);
    EQ(s[0].pid, 50000);
    UEQ(s[0].timeStamp, newest); /* the first sample is the newest: a running maximum drops all others */
    UEQ(newest - oldest, 39 * 997);
    /* 50003: its newest sample (4 %), then one 1 ms older (90 %) */
    EQ(s[3].pid, 50003);
    EQ(s[3].smUtil, 4);
    EQ(s[4].pid, 50003);
    EQ(s[4].smUtil, 90);
    UEQ(s[3].timeStamp - s[4].timeStamp, 1000);
    EQ(s[41].pid, 50040);
    EQ(s[41].smUtil, 412);
    /* only samples newer than lastSeenTimeStamp */
    unsigned long long mid = s[5].timeStamp;
    unsigned int newer = 0;
    for (unsigned int k = 0; k < 42; k++) {
        newer += s[k].timeStamp > mid;
    }
    n = 64;
    EQ(p_nvmlDeviceGetProcessUtilization(d, s, &n, mid), NVML_SUCCESS);
    EQ(n, newer);
    for (unsigned int k = 0; k < n; k++) {
        CHECK(s[k].timeStamp > mid, "sample %u (%llu) is not newer than %llu", k, s[k].timeStamp, mid);
    }
    n = 64;
    EQ(p_nvmlDeviceGetProcessUtilization(d, s, &n, newest), NVML_ERROR_NOT_FOUND);
    unsigned int u = 0;
    EQ(p_nvmlDeviceGetPowerUsage(d, &u), NVML_SUCCESS); /* a new window, after every sample of the last */
    n = 64;
    EQ(p_nvmlDeviceGetProcessUtilization(d, s, &n, newest), NVML_SUCCESS);
    EQ(n, 42);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

/* mps: the MPS server is a compute process, its clients are in the MPS list only */
static void check_mps(void) {
    where = "mps";
    use_scenario("mps.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t d = handle(0);
    nvmlProcessInfo_t procs[8];
    unsigned int n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(d, &n, procs), NVML_SUCCESS);
    EQ(n, 2);
    EQ(procs[0].pid, 7001);
    EQ(procs[1].pid, 7003);
    n = 0;
    EQ(p_nvmlDeviceGetMPSComputeRunningProcesses_v3(d, &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 3);
    n = 8;
    EQ(p_nvmlDeviceGetMPSComputeRunningProcesses_v3(d, &n, procs), NVML_SUCCESS);
    EQ(n, 3);
    EQ(procs[0].pid, 7002);
    UEQ(procs[0].usedGpuMemory, 4096 * MiB);
    EQ(procs[1].pid, 7003);
    EQ(procs[2].pid, 7004);
    nvmlProcessInfo_v1_t procs1[8];
    n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses(d, &n, procs1), NVML_SUCCESS);
    EQ(n, 2);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

/* FAKE_NVML_UNPRIVILEGED=1: a MIG parent refuses its aggregate processes and memory, MIG handles answer */
static void check_unprivileged(void) {
    where = "h100-mig unprivileged";
    use_scenario("h100-mig.conf");
    setenv("FAKE_NVML_UNPRIVILEGED", "1", 1);
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    unsetenv("FAKE_NVML_UNPRIVILEGED"); /* read at init only */
    nvmlDevice_t gpu = handle(0);
    nvmlDevice_t mig0 = NULL;
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 0, &mig0), NVML_SUCCESS);
    nvmlProcessInfo_t procs[8];
    nvmlProcessInfo_v1_t procs1[8];
    unsigned int n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(gpu, &n, procs), NVML_ERROR_NO_PERMISSION);
    n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses(gpu, &n, procs1), NVML_ERROR_NO_PERMISSION);
    n = 8;
    EQ(p_nvmlDeviceGetMPSComputeRunningProcesses_v3(gpu, &n, procs), NVML_ERROR_NO_PERMISSION);
    nvmlMemory_t mem;
    nvmlMemory_v2_t mem2 = {.version = nvmlMemory_v2};
    EQ(p_nvmlDeviceGetMemoryInfo(gpu, &mem), NVML_ERROR_NO_PERMISSION);
    EQ(p_nvmlDeviceGetMemoryInfo_v2(gpu, &mem2), NVML_ERROR_NO_PERMISSION);
    n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(mig0, &n, procs), NVML_SUCCESS);
    EQ(n, 3);
    EQ(procs[2].pid, 21198);
    EQ(procs[2].gpuInstanceId, 2);
    EQ(p_nvmlDeviceGetMemoryInfo_v2(mig0, &mem2), NVML_SUCCESS);
    UEQ(mem2.used, 11091 * MiB);
    unsigned int u = 0;
    EQ(p_nvmlDeviceGetPowerUsage(gpu, &u), NVML_SUCCESS); /* physical readings are not restricted */
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
    use_scenario("h100-mig.conf"); /* privileged again: the parent answers */
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(handle(0), &n, procs), NVML_SUCCESS);
    EQ(n, 3);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
    where = "rtx unprivileged";
    use_scenario("pcie-rtx6000ada-fan.conf"); /* without MIG nothing is restricted */
    setenv("FAKE_NVML_UNPRIVILEGED", "1", 1);
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    unsetenv("FAKE_NVML_UNPRIVILEGED");
    n = 8;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(handle(0), &n, procs), NVML_SUCCESS);
    EQ(n, 1);
    EQ(p_nvmlDeviceGetMemoryInfo(handle(0), &mem), NVML_SUCCESS);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

static void check_lost(void) {
    where = "gpu-lost";
    char lost[PATH_MAX * 2];
    snprintf(lost, sizeof lost, "%s/lost-gpus", g_scratch);
    unlink(lost);
    use_scenario("gpu-lost.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    setenv("FAKE_NVML_LOST_FILE", lost, 1); /* looked up on every call: may be set after nvmlInit */
    nvmlDevice_t d0 = handle(0), d1 = handle(1), h = NULL;
    char uuid1[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    unsigned int u = 0;
    EQ(p_nvmlDeviceGetUUID(d1, uuid1, sizeof uuid1), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_SUCCESS);

    write_file(lost, "1\n");
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_ERROR_GPU_IS_LOST);
    EQ(p_nvmlDeviceGetUUID(d1, uuid1, sizeof uuid1), NVML_ERROR_GPU_IS_LOST);
    unsigned int n = 0;
    EQ(p_nvmlDeviceGetComputeRunningProcesses_v3(d1, &n, NULL), NVML_ERROR_GPU_IS_LOST);
    EQ(p_nvmlDeviceGetHandleByIndex_v2(1, &h), NVML_ERROR_GPU_IS_LOST);
    EQ(p_nvmlDeviceGetHandleByUUID(uuid1, &h), NVML_ERROR_GPU_IS_LOST);
    EQ(p_nvmlDeviceGetPowerUsage(d0, &u), NVML_SUCCESS);
    EQ(u, 331250);
    unsigned int count = 0;
    EQ(p_nvmlDeviceGetCount_v2(&count), NVML_SUCCESS);
    EQ(count, 2);

    write_file(lost, "");
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_SUCCESS);
    EQ(u, 338870);
    EQ(p_nvmlDeviceGetHandleByIndex_v2(1, &h), NVML_SUCCESS);
    CHECK(h == d1, "handle changed after recovery");

    write_file(lost, "0 1");
    EQ(p_nvmlDeviceGetPowerUsage(d0, &u), NVML_ERROR_GPU_IS_LOST);
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_ERROR_GPU_IS_LOST);
    unlink(lost);
    EQ(p_nvmlDeviceGetPowerUsage(d0, &u), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_SUCCESS);
    write_file(lost, "1");
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_ERROR_GPU_IS_LOST);
    unsetenv("FAKE_NVML_LOST_FILE");
    EQ(p_nvmlDeviceGetPowerUsage(d1, &u), NVML_SUCCESS);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

/* The control file's "N:ERROR" (a GPU whose handle fails at start), the scenario's `handle` key, and
 * its "P.S=NAME" / "P.S=-" MIG slots (instances created, destroyed, slots reused mid-run). */
static void check_control(void) {
    where = "control";
    char ctl[PATH_MAX * 2];
    snprintf(ctl, sizeof ctl, "%s/control", g_scratch);
    unlink(ctl);
    use_scenario("three-gpus.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    setenv("FAKE_NVML_LOST_FILE", ctl, 1);
    nvmlDevice_t h = NULL, d1 = handle(1);
    unsigned int count = 0, u = 0;
    const char *tokens[] = {"1:NO_PERMISSION", "1:INSUFFICIENT_POWER", "1:IRQ_ISSUE", "1:GPU_IS_LOST"};
    const nvmlReturn_t codes[] = {NVML_ERROR_NO_PERMISSION, NVML_ERROR_INSUFFICIENT_POWER, NVML_ERROR_IRQ_ISSUE,
                                  NVML_ERROR_GPU_IS_LOST};
    for (int i = 0; i < 4; i++) {
        write_file(ctl, tokens[i]);
        EQ(p_nvmlDeviceGetHandleByIndex_v2(1, &h), codes[i]);
        EQ(p_nvmlDeviceGetHandleByIndex_v2(0, &h), NVML_SUCCESS);
        EQ(p_nvmlDeviceGetHandleByIndex_v2(2, &h), NVML_SUCCESS);
        EQ(p_nvmlDeviceGetCount_v2(&count), NVML_SUCCESS);
        EQ(count, 3);
    }
    write_file(ctl, "");
    EQ(p_nvmlDeviceGetHandleByIndex_v2(1, &h), NVML_SUCCESS);
    CHECK(h == d1, "the handle changed once the GPU answered");
    EQ(p_nvmlDeviceGetPowerUsage(h, &u), NVML_SUCCESS);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);

    unlink(ctl);
    use_scenario("gpu-1-no-permission.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetHandleByIndex_v2(1, &h), NVML_ERROR_NO_PERMISSION);
    EQ(p_nvmlDeviceGetHandleByUUID("GPU-ec66a787-95e7-41d1-b731-af10506bf2ef", &h), NVML_ERROR_NO_PERMISSION);
    EQ(p_nvmlDeviceGetHandleByIndex_v2(2, &h), NVML_SUCCESS);
    EQ(p_nvmlShutdown(), NVML_SUCCESS);

    use_scenario("mig-repartition.conf");
    EQ(p_nvmlInit_v2(), NVML_SUCCESS);
    nvmlDevice_t gpu = handle(0), m1 = NULL, m2 = NULL, m = NULL;
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 1, &m1), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetGpuInstanceId(m1, &u), NVML_SUCCESS);
    EQ(u, 3);
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 2, &m2), NVML_ERROR_NOT_FOUND);
    write_file(ctl, "0.2=created");
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 2, &m2), NVML_SUCCESS);
    EQ(p_nvmlDeviceGetGpuInstanceId(m2, &u), NVML_SUCCESS);
    EQ(u, 9);
    EQ(p_nvmlDeviceGetHandleByUUID("MIG-11111111-0000-5000-8000-000000000009", &m), NVML_SUCCESS);
    CHECK(m == m2, "MIG handle by UUID differs from the slot's");
    write_file(ctl, "0.2=created 0.1=-");
    EQ(p_nvmlDeviceGetGpuInstanceId(m1, &u), NVML_ERROR_INVALID_ARGUMENT);
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 1, &m), NVML_ERROR_NOT_FOUND);
    EQ(p_nvmlDeviceGetHandleByUUID("MIG-11111111-0000-5000-8000-000000000003", &m), NVML_ERROR_NOT_FOUND);
    write_file(ctl, "0.2=created 0.1=reused");
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 1, &m), NVML_SUCCESS);
    CHECK(m == m1, "a reused slot keeps its handle");
    EQ(p_nvmlDeviceGetGpuInstanceId(m1, &u), NVML_SUCCESS);
    EQ(u, 5);
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    EQ(p_nvmlDeviceGetName(m1, name, sizeof name), NVML_SUCCESS);
    STREQ(name, "NVIDIA H100 80GB HBM3 MIG 1g.10gb");
    unlink(ctl);
    EQ(p_nvmlDeviceGetGpuInstanceId(m1, &u), NVML_SUCCESS);
    EQ(u, 3);
    EQ(p_nvmlDeviceGetMigDeviceHandleByIndex(gpu, 2, &m), NVML_ERROR_NOT_FOUND);
    unsetenv("FAKE_NVML_LOST_FILE");
    EQ(p_nvmlShutdown(), NVML_SUCCESS);
}

static void check_old_driver(const char *lib) {
    where = "old-driver";
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != NULL, "dlopen %s: %s", lib, dlerror());
    if (h == NULL) {
        return;
    }
#define ABSENT(n) CHECK(dlsym(h, #n) == NULL, "%s is exported by the old-driver library", #n);
    NEWER_API(ABSENT)
    const char *present[] = {"nvmlInit_v2", "nvmlDeviceGetComputeRunningProcesses",
                             "nvmlDeviceGetCurrentClocksThrottleReasons", "nvmlSystemGetCudaDriverVersion",
                             "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetProcessUtilization",
                             "nvmlDeviceGetMigMode", "fakeNvmlCallCount"};
    for (size_t i = 0; i < sizeof present / sizeof present[0]; i++) {
        CHECK(dlsym(h, present[i]) != NULL, "%s is missing from the old-driver library", present[i]);
    }
    __typeof__(&nvmlInit_v2) init = (__typeof__(init))dlsym(h, "nvmlInit_v2");
    __typeof__(&nvmlShutdown) shutdown = (__typeof__(shutdown))dlsym(h, "nvmlShutdown");
    __typeof__(&nvmlSystemGetCudaDriverVersion) cuda = (__typeof__(cuda))dlsym(h, "nvmlSystemGetCudaDriverVersion");
    __typeof__(&nvmlSystemGetDriverVersion) driver = (__typeof__(driver))dlsym(h, "nvmlSystemGetDriverVersion");
    __typeof__(&nvmlDeviceGetHandleByIndex_v2) byIndex = (__typeof__(byIndex))dlsym(h, "nvmlDeviceGetHandleByIndex_v2");
    __typeof__(&nvmlDeviceGetComputeRunningProcesses) procs1 =
        (__typeof__(procs1))dlsym(h, "nvmlDeviceGetComputeRunningProcesses");
    __typeof__(&nvmlDeviceGetCurrentClocksThrottleReasons) throttle =
        (__typeof__(throttle))dlsym(h, "nvmlDeviceGetCurrentClocksThrottleReasons");
    __typeof__(&nvmlDeviceGetMigMode) migMode = (__typeof__(migMode))dlsym(h, "nvmlDeviceGetMigMode");
    use_scenario("old-driver.conf");
    EQ(init(), NVML_SUCCESS);
    int v = 0;
    char buf[80];
    EQ(cuda(&v), NVML_SUCCESS);
    EQ(v, 11000);
    EQ(driver(buf, sizeof buf), NVML_SUCCESS);
    STREQ(buf, "450.80.02");
    nvmlDevice_t d = NULL;
    EQ(byIndex(1, &d), NVML_SUCCESS);
    nvmlProcessInfo_v1_t p[2];
    unsigned int n = 0, u = 0, u2 = 0;
    EQ(procs1(d, &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
    EQ(n, 1);
    EQ(procs1(d, &n, p), NVML_SUCCESS);
    EQ(p[0].pid, 4411);
    UEQ(p[0].usedGpuMemory, 9289 * MiB);
    unsigned long long reasons = 1;
    EQ(throttle(d, &reasons), NVML_SUCCESS);
    UEQ(reasons, 0);
    EQ(migMode(d, &u, &u2), NVML_ERROR_NOT_SUPPORTED);
    EQ(shutdown(), NVML_SUCCESS);
    dlclose(h);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s <full lib> <old-driver lib> <scenario dir> <scratch dir>\n", argv[0]);
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "%s", argv[3]);
    snprintf(g_scratch, sizeof g_scratch, "%s", argv[4]);
    unsetenv("FAKE_NVML_LOST_FILE");
    unsetenv("FAKE_NVML_UNPRIVILEGED");

    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "check_fake_nvml: dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }
    where = "symbols";
#define RESOLVE(n)                                                                                             \
    p_##n = (__typeof__(p_##n))dlsym(lib, #n);                                                                 \
    if (p_##n == NULL) {                                                                                       \
        fprintf(stderr, "check_fake_nvml: %s is not exported\n", #n);                                          \
        return 1;                                                                                              \
    }
    FULL_API(RESOLVE)

    check_uninitialized();
    check_refcount_and_counter();
    check_error_values();
    check_dgx();
    check_h100_mig();
    check_a100();
    check_rtx();
    check_unordered_samples();
    check_mps();
    check_unprivileged();
    check_lost();
    check_control();
    check_quirks();
    const char *scenarios[] = {"dgx-h100-nvlink.conf", "h100-mig.conf",        "a100-mig-no-gpm.conf",
                               "pcie-rtx6000ada-fan.conf", "gpu-lost.conf", "old-driver.conf",
                               "many-processes.conf",      "mps.conf",      "three-gpus.conf",
                               "mig-repartition.conf",     "b200-utility-container.conf",
                               "memory-v1-only.conf"};
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        smoke_scenario(scenarios[i]);
    }
    dlclose(lib);
    check_old_driver(argv[2]);

    if (failures > 0) {
        fprintf(stderr, "check_fake_nvml: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("fake-nvml: %d checks passed (%zu scenarios, full + old-driver libraries)\n", checks,
           sizeof scenarios / sizeof scenarios[0]);
    return 0;
}
