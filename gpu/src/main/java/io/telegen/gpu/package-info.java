/**
 * GPU sources: NVIDIA through NVML and AMD through ROCm SMI / AMD SMI, both loaded with JNA, MIG
 * topology, per-process usage, GPM, NVLink, and the NCCL profiler plugin's shared-memory counters.
 *
 * <p>This module never imports {@code io.telegen.frameworks}; joins between serving processes and
 * the GPUs they use happen in the agent service.
 */
package io.telegen.gpu;
