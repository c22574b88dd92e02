package io.telegen.gpu.nccl.internal;

import java.util.List;

/**
 * The collective kinds of the counter file, in slot order ({@code enum tg_nccl_kind} in
 * {@code telegen_nccl_shm.h}); the names are the {@code collective} label values.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class NcclCollective {

  public static final List<String> NAMES =
      List.of(
          "AllReduce",
          "AllGather",
          "ReduceScatter",
          "Broadcast",
          "Reduce",
          "AlltoAll",
          "Gather",
          "Scatter",
          "Send",
          "Recv",
          "Other");
  public static final int COUNT = 11;

  private NcclCollective() {}
}
