package io.telegen.frameworks.training.tfevents;

import com.google.protobuf.ByteString;
import io.telegen.proto.tensorboard.DataType;
import io.telegen.proto.tensorboard.Event;
import io.telegen.proto.tensorboard.Summary;
import io.telegen.proto.tensorboard.TensorProto;
import io.telegen.proto.tensorboard.TensorShapeProto;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds the scalars in decoded events, for one file.
 *
 * <p>Writers put a value's {@code metadata} (and so its plugin name) only on the first value of
 * each tag in a file, so the plugin seen first is remembered per tag; a tensor under a tag whose
 * plugin is not {@code scalars} (histograms, text, images, ...) is not a scalar even when it looks
 * like one. One instance per file: a new file starts with no memory.
 */
final class ScalarExtractor {

  static final String SCALARS_PLUGIN = "scalars";

  // A run logs a handful of tags; the cap only keeps a pathological writer from growing this
  // without bound. Tags beyond it are treated as having no metadata.
  private static final int MAX_REMEMBERED_TAGS = 100_000;

  private final Map<String, String> pluginByTag = new HashMap<>();

  // Result slot for tensorScalar, which must tell "not a scalar" apart from a NaN value.
  private double scalar;

  /** Delivers every scalar in {@code event} to {@code sink}; returns how many. */
  int deliver(Event event, ScalarSink sink) {
    if (!event.hasSummary()) {
      return 0;
    }
    int delivered = 0;
    long step = event.getStep();
    double wallTime = event.getWallTime();
    for (Summary.Value value : event.getSummary().getValueList()) {
      String tag = value.getTag();
      String plugin;
      if (value.hasMetadata()) {
        plugin = value.getMetadata().getPluginData().getPluginName();
        if (pluginByTag.size() < MAX_REMEMBERED_TAGS || pluginByTag.containsKey(tag)) {
          pluginByTag.put(tag, plugin);
        }
      } else {
        plugin = pluginByTag.get(tag);
      }
      switch (value.getValueCase()) {
        case SIMPLE_VALUE -> {
          sink.scalar(tag, step, wallTime, value.getSimpleValue());
          delivered++;
        }
        case TENSOR -> {
          boolean scalarPlugin =
              plugin == null || plugin.isEmpty() || plugin.equals(SCALARS_PLUGIN);
          if (scalarPlugin && tensorScalar(value.getTensor())) {
            sink.scalar(tag, step, wallTime, scalar);
            delivered++;
          }
        }
        default -> {
          // histo, image, audio, or nothing: not scalars
        }
      }
    }
    return delivered;
  }

  /** Forgets the remembered plugins, for a file that is read again from the start. */
  void reset() {
    pluginByTag.clear();
  }

  /**
   * Sets {@link #scalar} from a rank-0 tensor of a numeric type and returns true; returns false for
   * anything else. Values come from the typed repeated field when the writer used it (PyTorch,
   * tensorboardX), else from {@code tensor_content} (TensorFlow's C++ writer).
   */
  private boolean tensorScalar(TensorProto tensor) {
    TensorShapeProto shape = tensor.getTensorShape();
    if (shape.getDimCount() != 0 || shape.getUnknownRank()) {
      return false;
    }
    ByteString content = tensor.getTensorContent();
    DataType dtype = tensor.getDtype();
    switch (dtype) {
      case DT_FLOAT -> {
        if (tensor.getFloatValCount() > 0) {
          scalar = tensor.getFloatVal(0);
        } else if (content.size() == Float.BYTES) {
          scalar = Float.intBitsToFloat(littleEndianInt(content, 0));
        } else {
          return false;
        }
      }
      case DT_DOUBLE -> {
        if (tensor.getDoubleValCount() > 0) {
          scalar = tensor.getDoubleVal(0);
        } else if (content.size() == Double.BYTES) {
          scalar = Double.longBitsToDouble(littleEndianLong(content));
        } else {
          return false;
        }
      }
      case DT_HALF, DT_BFLOAT16 -> {
        int bits;
        if (tensor.getHalfValCount() > 0) {
          bits = tensor.getHalfVal(0) & 0xffff;
        } else if (content.size() == 2) {
          bits = (content.byteAt(0) & 0xff) | (content.byteAt(1) & 0xff) << 8;
        } else {
          return false;
        }
        scalar = dtype == DataType.DT_HALF ? halfToFloat(bits) : Float.intBitsToFloat(bits << 16);
      }
      case DT_INT32 -> {
        if (tensor.getIntValCount() > 0) {
          scalar = tensor.getIntVal(0);
        } else if (content.size() == Integer.BYTES) {
          scalar = littleEndianInt(content, 0);
        } else {
          return false;
        }
      }
      case DT_INT64 -> {
        if (tensor.getInt64ValCount() > 0) {
          scalar = tensor.getInt64Val(0);
        } else if (content.size() == Long.BYTES) {
          scalar = littleEndianLong(content);
        } else {
          return false;
        }
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  private static int littleEndianInt(ByteString b, int at) {
    return (b.byteAt(at) & 0xff)
        | (b.byteAt(at + 1) & 0xff) << 8
        | (b.byteAt(at + 2) & 0xff) << 16
        | (b.byteAt(at + 3) & 0xff) << 24;
  }

  private static long littleEndianLong(ByteString b) {
    return (littleEndianInt(b, 0) & 0xffffffffL) | (long) littleEndianInt(b, 4) << 32;
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
    }
    if (exponent == 0) {
      float subnormal = mantissa * 0x1p-24f;
      return sign != 0 ? -subnormal : subnormal;
    }
    return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
  }
}
