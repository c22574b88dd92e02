/**
 * AMD GPUs through AMD SMI ({@code libamd_smi.so}, loaded with JNA): the binding, its struct
 * layouts by library generation, and the collector behind {@link io.telegen.gpu.AmdGpuSource}.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
package io.telegen.gpu.amd.internal;
