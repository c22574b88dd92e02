/**
 * NCCL traffic counters: the bundled profiler plugin ({@link io.telegen.gpu.nccl.NcclProfilerPlugin})
 * that counts collective and point-to-point bytes inside a training process, and the source
 * that reads its shared-memory files ({@link io.telegen.gpu.nccl.NcclCounterSource}).
 */
package io.telegen.gpu.nccl;
