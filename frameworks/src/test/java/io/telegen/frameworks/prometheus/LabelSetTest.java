package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LabelSetTest {

  @Test
  void keepsPayloadOrderAndLooksUpByName() {
    LabelSet s = LabelSet.of("le", "0.5", "model_name", "opt");
    assertEquals(2, s.size());
    assertEquals("le", s.name(0));
    assertEquals("opt", s.value(1));
    assertEquals("opt", s.get("model_name"));
    assertNull(s.get("missing"));
  }

  @Test
  void equalityIsByContentAndOrder() {
    assertEquals(LabelSet.of("a", "1", "b", "2"), LabelSet.of("a", "1", "b", "2"));
    assertEquals(LabelSet.of("a", "1").hashCode(), LabelSet.of("a", "1").hashCode());
    assertNotEquals(LabelSet.of("a", "1", "b", "2"), LabelSet.of("b", "2", "a", "1"));
    assertSame(LabelSet.empty(), LabelSet.of());
  }

  @Test
  void isImmutableAgainstTheCallersArray() {
    String[] pairs = {"a", "1"};
    LabelSet s = LabelSet.of(pairs);
    pairs[1] = "changed";
    assertEquals("1", s.get("a"));
  }

  @Test
  void rendersEscapedExpositionSyntax() {
    assertEquals(
        "{a=\"x\\\"y\\\\z\\n\",b=\"\"}", LabelSet.of("a", "x\"y\\z\n", "b", "").toString());
  }

  @Test
  void rejectsBadInputAndIndexes() {
    assertThrows(IllegalArgumentException.class, () -> LabelSet.of("a"));
    assertThrows(IllegalArgumentException.class, () -> LabelSet.of("a", null));
    assertThrows(IndexOutOfBoundsException.class, () -> LabelSet.of("a", "1").name(1));
  }
}
