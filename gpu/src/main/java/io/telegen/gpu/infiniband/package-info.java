/**
 * InfiniBand HCA port counters from sysfs: per-NIC traffic, the fallback for inter-node NCCL
 * bytes when the NCCL profiler plugin is not loaded.
 */
package io.telegen.gpu.infiniband;
