package io.telegen.gpu.nccl.internal;

import java.util.HexFormat;

/**
 * One slot of a counter file: a communicator as one rank of the process sees it, with send,
 * receive and operation counts per {@link NcclCollective} index.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 *
 * @param nranks ranks in the communicator, -1 when NCCL did not say (profiler interface v1..v3)
 * @param cudaDev CUDA device ordinal of the rank as the process sees it, -1 when unknown
 * @param commName communicator name, empty when NCCL passed none
 */
public record NcclCommCounters(
    long commHash,
    int rank,
    int nranks,
    int nNodes,
    int cudaDev,
    String commName,
    long[] sendBytes,
    long[] recvBytes,
    long[] ops) {

  /** The {@code comm} label: the name when known, else the hash as 16 hex digits. */
  public String commLabel() {
    return commName.isEmpty() ? HexFormat.of().toHexDigits(commHash) : commName;
  }
}
