/*
 * Checks one build of the fake libamd_smi.so through dlopen, as the agent loads it: its version
 * struct is in the layout of the ABI it was compiled for (the first u32 is the year, 24 or 25, in
 * the older one and the major version, 26 or more, in the current one; the build string sits at
 * offset 16 in both), and init without a scenario fails as on a machine without the amdgpu driver.
 *
 *   check_fake_amdsmi <library> <24|26>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amdsmi_abi.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <library> <24|26>\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "check-fake-amdsmi: %s\n", dlerror());
        return 1;
    }
    amdsmi_status_t (*version)(amdsmi_version_t *) = (amdsmi_status_t (*)(amdsmi_version_t *))dlsym(lib, "amdsmi_get_lib_version");
    amdsmi_status_t (*init)(uint64_t) = (amdsmi_status_t (*)(uint64_t))dlsym(lib, "amdsmi_init");
    if (!version || !init) {
        fprintf(stderr, "check-fake-amdsmi: %s lacks amdsmi_get_lib_version or amdsmi_init\n", argv[1]);
        return 1;
    }
    amdsmi_version_t v;
    memset(&v, 0, sizeof v);
    if (version(&v) != AMDSMI_STATUS_SUCCESS || !v.build) {
        fprintf(stderr, "check-fake-amdsmi: amdsmi_get_lib_version failed\n");
        return 1;
    }
    uint32_t first;
    memcpy(&first, &v, sizeof first);
    int abi = atoi(argv[2]);
    if ((abi == 24 && first > 25) || (abi == 26 && first < 26)) {
        fprintf(stderr, "check-fake-amdsmi: %s: first version field %u does not match ABI %d (build %s)\n",
                argv[1], first, abi, v.build);
        return 1;
    }
    unsetenv("FAKE_AMDSMI_SCENARIO");
    if (init(AMDSMI_INIT_AMD_GPUS) != AMDSMI_STATUS_DRIVER_NOT_LOADED) {
        fprintf(stderr, "check-fake-amdsmi: amdsmi_init without a scenario must answer DRIVER_NOT_LOADED\n");
        return 1;
    }
    dlclose(lib);
    return 0;
}
