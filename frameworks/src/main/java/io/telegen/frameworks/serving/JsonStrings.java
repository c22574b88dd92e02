package io.telegen.frameworks.serving;

/**
 * Reads one string member of a small JSON document without a JSON library: the first
 * {@code "key": "value"} pair at any depth. Enough for TGI's {@code /info} and llama.cpp's
 * {@code /props}; never throws on malformed input.
 */
final class JsonStrings {

  private JsonStrings() {}

  /** The unescaped string value of the first member named {@code key}, or null. */
  static String get(String json, String key) {
    if (json == null) {
      return null;
    }
    String quoted = "\"" + key + "\"";
    int from = 0;
    while (true) {
      int at = json.indexOf(quoted, from);
      if (at < 0) {
        return null;
      }
      int i = skipSpace(json, at + quoted.length());
      if (i < json.length() && json.charAt(i) == ':') {
        i = skipSpace(json, i + 1);
        if (i < json.length() && json.charAt(i) == '"') {
          return readString(json, i + 1);
        }
        if (json.startsWith("null", i)) {
          return null;
        }
      }
      from = at + quoted.length();
    }
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static String readString(String s, int i) {
    StringBuilder out = new StringBuilder();
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c == '"') {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (i >= s.length()) {
        return null;
      }
      char e = s.charAt(i++);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          if (i + 4 > s.length()) {
            return null;
          }
          try {
            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException ex) {
            return null;
          }
          i += 4;
        }
        default -> out.append(e);
      }
    }
    return null;
  }
}
