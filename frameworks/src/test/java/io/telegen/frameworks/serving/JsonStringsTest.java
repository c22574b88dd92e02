package io.telegen.frameworks.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class JsonStringsTest {

  @Test
  void readsTheStringMembersOfTgiInfo() {
    String json =
        "{\"model_id\":\"bigscience/bloom-560m\",\"model_sha\":null," + "\"version\":\"3.3.7\"}";
    assertEquals("bigscience/bloom-560m", JsonStrings.get(json, "model_id"));
    assertNull(JsonStrings.get(json, "model_sha"));
    assertEquals("3.3.7", JsonStrings.get(json, "version"));
  }

  @Test
  void unescapesAndLooksAtAnyDepth() {
    assertEquals("a\"b/c\u00e9", JsonStrings.get("{ \"k\" : \"a\\\"b\\/c\\u00e9\" }", "k"));
    assertEquals("inner", JsonStrings.get("{\"outer\":{\"model\":\"inner\"}}", "model"));
    assertNull(JsonStrings.get("{\"k\":\"unterminated", "k"));
  }
}
