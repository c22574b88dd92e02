package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire schema is the generated classes' schema: every message reachable from
 * ExportMetricsServiceRequest has its type, and each field its number, encoding and type; no
 * other field is in it. After an opentelemetry-proto upgrade this says what to add.
 */
class MetricsWireSchemaTest {

  @Test
  void isTheSchemaOfTheGeneratedClasses() {
    Map<String, Descriptor> reachable = new LinkedHashMap<>();
    collect(ExportMetricsServiceRequest.getDescriptor(), reachable);
    List<String> names = List.of(MetricsWireSchema.NAMES);
    assertEquals(
        new ArrayList<>(reachable.keySet()).stream().sorted().toList(),
        names.stream().sorted().toList());
    for (int type = 0; type < names.size(); type++) {
      Descriptor d = reachable.get(names.get(type));
      int highest = d.getFields().stream().mapToInt(FieldDescriptor::getNumber).max().orElse(0);
      assertEquals(highest, MetricsWireSchema.highestField(type), d.getFullName());
      for (int number = 0; number <= highest; number++) {
        FieldDescriptor f = d.findFieldByNumber(number);
        int entry = MetricsWireSchema.entry(type, number);
        String where = d.getFullName() + " field " + number;
        if (f == null) {
          assertEquals(0, entry, where);
          continue;
        }
        assertEquals(kind(f), MetricsWireSchema.kind(entry), where);
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          assertEquals(
              f.getMessageType().getFullName(),
              MetricsWireSchema.NAMES[MetricsWireSchema.child(entry)],
              where);
        }
      }
    }
  }

  private static int kind(FieldDescriptor f) {
    switch (f.getType()) {
      case MESSAGE:
        return MetricsWireSchema.MESSAGE;
      case STRING:
        assertEquals(true, f.needsUtf8Check(), f.getFullName());
        return MetricsWireSchema.STRING;
      case BYTES:
        return MetricsWireSchema.BYTES;
      case FIXED64:
      case SFIXED64:
      case DOUBLE:
        return f.isRepeated() ? MetricsWireSchema.PACKED_FIXED64 : MetricsWireSchema.FIXED64;
      case INT64:
      case UINT64:
      case SINT64:
      case BOOL:
        return f.isRepeated() ? MetricsWireSchema.PACKED_VARINT : MetricsWireSchema.VARINT64;
      case INT32:
      case UINT32:
      case SINT32:
      case ENUM:
        assertEquals(false, f.isRepeated(), f.getFullName() + ": add a packed 32-bit varint");
        return MetricsWireSchema.VARINT;
      default: // fixed32, sfixed32, float, group: none in the OTLP metrics schema
        throw new AssertionError(
            f.getFullName() + " is a " + f.getType() + ": add it to the schema");
    }
  }

  private static void collect(Descriptor d, Map<String, Descriptor> into) {
    if (into.putIfAbsent(d.getFullName(), d) != null) {
      return;
    }
    for (FieldDescriptor f : d.getFields()) {
      assertEquals(false, f.isMapField(), f.getFullName());
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        collect(f.getMessageType(), into);
      }
    }
  }
}
