/**
 * Reading the Telegen NCCL profiler plugin's shared-memory counter files.
 *
 * <p>This package is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
package io.telegen.gpu.nccl.internal;
