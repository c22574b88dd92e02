package io.telegen.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Ready-made {@link GpuProcessTable}s: none, a fixed snapshot, all vendors' tables as one. */
public final class GpuProcessTables {

  private static final GpuProcessTable EMPTY = GpuProcessSnapshot::empty;

  private GpuProcessTables() {}

  /** The table of a node without GPU sources: no process uses a GPU. */
  public static GpuProcessTable empty() {
    return EMPTY;
  }

  /** A table that always answers {@code snapshot}. */
  public static GpuProcessTable of(GpuProcessSnapshot snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    return () -> snapshot;
  }

  /**
   * One table over every vendor's table: its snapshot merges the latest snapshots of all of
   * them ({@link GpuProcessSnapshot#merge}), re-merged only when one of them published anew.
   * Empty for an empty list; the table itself for one.
   */
  public static GpuProcessTable combine(List<? extends GpuProcessTable> tables) {
    List<GpuProcessTable> parts = List.copyOf(tables);
    if (parts.isEmpty()) {
      return EMPTY;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return new Combined(parts);
  }

  /** The merge of the parts' snapshots, cached against the exact snapshots it was made from. */
  private static final class Combined implements GpuProcessTable {
    private final List<GpuProcessTable> parts;
    private volatile Merged last = new Merged(List.of(), GpuProcessSnapshot.empty());

    Combined(List<GpuProcessTable> parts) {
      this.parts = parts;
    }

    @Override
    public GpuProcessSnapshot snapshot() {
      List<GpuProcessSnapshot> current = new ArrayList<>(parts.size());
      for (GpuProcessTable part : parts) {
        current.add(part.snapshot());
      }
      Merged cached = last;
      if (sameInstances(cached.from, current)) {
        return cached.merged;
      }
      GpuProcessSnapshot merged = GpuProcessSnapshot.merge(current);
      last = new Merged(List.copyOf(current), merged);
      return merged;
    }

    private static boolean sameInstances(List<GpuProcessSnapshot> a, List<GpuProcessSnapshot> b) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i) != b.get(i)) {
          return false;
        }
      }
      return true;
    }

    private record Merged(List<GpuProcessSnapshot> from, GpuProcessSnapshot merged) {}
  }
}
