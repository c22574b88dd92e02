package io.telegen.frameworks.training.tfevents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import io.telegen.proto.tensorboard.DataType;
import io.telegen.proto.tensorboard.Event;
import io.telegen.proto.tensorboard.Summary;
import io.telegen.proto.tensorboard.SummaryMetadata;
import io.telegen.proto.tensorboard.TensorProto;
import io.telegen.proto.tensorboard.TensorShapeProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scalar tensor encoding a writer may use is decoded (typed repeated field or raw
 * little-endian content, for float, double, half, bfloat16, int32, int64), and tensors that are not
 * scalars are ignored.
 */
class TensorEncodingTest {

  @TempDir Path dir;

  private List<Scalar> read(Summary.Value... values) throws IOException {
    Event[] events = new Event[values.length];
    for (int i = 0; i < values.length; i++) {
      events[i] =
          Event.newBuilder()
              .setStep(i)
              .setWallTime(100 + i)
              .setSummary(Summary.newBuilder().addValue(values[i]))
              .build();
    }
    Path file = dir.resolve("events.out.tfevents.1.host");
    Files.write(file, TfEventsFixtures.records(events));
    return TfEventsFixtures.readAll(file).scalars();
  }

  private static Summary.Value tensor(String tag, TensorProto.Builder tensor) {
    return Summary.Value.newBuilder().setTag(tag).setTensor(tensor).build();
  }

  private static Summary.Value withPlugin(Summary.Value value, String plugin) {
    return value.toBuilder()
        .setMetadata(
            SummaryMetadata.newBuilder()
                .setPluginData(SummaryMetadata.PluginData.newBuilder().setPluginName(plugin)))
        .build();
  }

  private static ByteString littleEndian(int bytes, Consumer<ByteBuffer> put) {
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    put.accept(b);
    return ByteString.copyFrom(b.array());
  }

  @Test
  void everyNumericScalarEncodingIsDecoded() throws IOException {
    List<Scalar> scalars =
        read(
            tensor(
                "float_val",
                TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(1.5f)),
            tensor(
                "float_content",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_FLOAT)
                    .setTensorContent(littleEndian(4, b -> b.putFloat(-2.25f)))),
            tensor(
                "double_content",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_DOUBLE)
                    .setTensorContent(littleEndian(8, b -> b.putDouble(0.1)))),
            // 0x3e00 is 1.5 in binary16; 0x3fc0 is 1.5 in bfloat16.
            tensor(
                "half_val", TensorProto.newBuilder().setDtype(DataType.DT_HALF).addHalfVal(0x3e00)),
            tensor(
                "half_content",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_HALF)
                    .setTensorContent(littleEndian(2, b -> b.putShort((short) 0xc000)))),
            tensor(
                "bfloat16_val",
                TensorProto.newBuilder().setDtype(DataType.DT_BFLOAT16).addHalfVal(0x3fc0)),
            tensor(
                "bfloat16_content",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_BFLOAT16)
                    .setTensorContent(littleEndian(2, b -> b.putShort((short) 0x7fc0)))),
            tensor("int_val", TensorProto.newBuilder().setDtype(DataType.DT_INT32).addIntVal(-7)),
            tensor(
                "int64_val",
                TensorProto.newBuilder().setDtype(DataType.DT_INT64).addInt64Val(1L << 40)),
            tensor(
                "int64_content",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_INT64)
                    .setTensorContent(littleEndian(8, b -> b.putLong(42)))));

    assertEquals(
        List.of(
            new Scalar("float_val", 0, 100, 1.5),
            new Scalar("float_content", 1, 101, -2.25),
            new Scalar("double_content", 2, 102, 0.1),
            new Scalar("half_val", 3, 103, 1.5),
            new Scalar("half_content", 4, 104, -2.0),
            new Scalar("bfloat16_val", 5, 105, 1.5),
            new Scalar("bfloat16_content", 6, 106, Double.NaN),
            new Scalar("int_val", 7, 107, -7),
            new Scalar("int64_val", 8, 108, 1L << 40),
            new Scalar("int64_content", 9, 109, 42)),
        scalars);
  }

  @Test
  void nonScalarTensorsAreIgnored() throws IOException {
    TensorShapeProto vector =
        TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(1)).build();
    List<Scalar> scalars =
        read(
            tensor(
                "rank1",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_FLOAT)
                    .setTensorShape(vector)
                    .addFloatVal(1f)),
            tensor(
                "unknown_rank",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_FLOAT)
                    .setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true))
                    .addFloatVal(1f)),
            withPlugin(tensor("text", TensorProto.newBuilder().setDtypeValue(7)), "text"),
            withPlugin(
                tensor(
                    "pr_curve",
                    TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(1f)),
                "pr_curves"),
            tensor("string_dtype", TensorProto.newBuilder().setDtypeValue(7)),
            tensor("no_value", TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)),
            tensor(
                "short_content",
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_DOUBLE)
                    .setTensorContent(ByteString.copyFrom(new byte[4]))),
            withPlugin(
                tensor(
                    "kept", TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(3f)),
                ScalarExtractor.SCALARS_PLUGIN));

    assertEquals(List.of(new Scalar("kept", 7, 107, 3)), scalars);
  }

  @Test
  void pluginIsRememberedPerTagFromItsFirstValue() throws IOException {
    TensorProto.Builder one = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(1f);
    List<Scalar> scalars =
        read(
            withPlugin(tensor("custom", one), "custom_plugin"),
            tensor("custom", one),
            withPlugin(tensor("loss", one), ScalarExtractor.SCALARS_PLUGIN),
            tensor("loss", one));

    assertEquals(List.of(new Scalar("loss", 2, 102, 1), new Scalar("loss", 3, 103, 1)), scalars);
  }

  @Test
  void halfPrecisionSpecialValuesConvert() {
    assertEquals(0.0f, ScalarExtractor.halfToFloat(0x0000));
    assertEquals(-0.0f, ScalarExtractor.halfToFloat(0x8000));
    assertEquals(65504f, ScalarExtractor.halfToFloat(0x7bff));
    assertEquals(0x1p-24f, ScalarExtractor.halfToFloat(0x0001));
    assertEquals(Float.POSITIVE_INFINITY, ScalarExtractor.halfToFloat(0x7c00));
    assertEquals(Float.NEGATIVE_INFINITY, ScalarExtractor.halfToFloat(0xfc00));
    assertEquals(Float.NaN, ScalarExtractor.halfToFloat(0x7e00));
  }
}
