package io.telegen.frameworks.prometheus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Streaming parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, as
 * real model servers write them.
 *
 * <p>The body is read in chunks into one reused byte buffer and parsed line by line straight from
 * the bytes; it is never held whole in memory. Names and short label values go through a per-parse
 * cache (or a {@link Workspace}'s, kept across the parses of one endpoint), so a payload that
 * repeats a name allocates it once. No regular expressions are used.
 *
 * <p>Leniency is deliberate: a scrape of a misbehaving server should lose only the lines it got
 * wrong. A line that cannot be understood is counted in the {@link ParseReport} with its number and
 * a reason, and parsing resumes on the next line. Tolerated without complaint: names with colons
 * (including a leading one, as TF Serving writes), trailing commas in label sets (TorchServe),
 * {@code HELP}/{@code TYPE} without samples, blank lines, CRLF endings, a UTF-8 byte-order mark,
 * spaces and tabs between tokens, {@code +Inf}/{@code -Inf}/{@code NaN}, any exponent width,
 * timestamps and OpenMetrics exemplars (both dropped), {@code # UNIT} lines (ignored) and
 * {@code # EOF} (stops the parse). Unknown backslash escapes in label values are kept verbatim.
 *
 * <p>Not thread-safe per call, but every call is independent; the static methods may be used from
 * any number of threads.
 */
public final class PrometheusTextParser {

  /** How many rejected lines a {@link ParseReport} names individually. */
  public static final int MAX_REPORTED_REJECTIONS = 10;

  // Lines longer than this are rejected and skipped without buffering them: a sane exposition line
  // is well under a kilobyte, and an unbounded line buffer would let one bad body exhaust the heap.
  static final int MAX_LINE_BYTES = 1 << 20;

  private static final int INITIAL_BUFFER = 64 * 1024;
  // Label values longer than this are decoded without caching: long ones are rarely repeated.
  private static final int MAX_CACHED_VALUE = 128;
  private static final int MAX_LABELS = 256;

  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  // Character classes of the name grammar, by byte: one table load per byte instead of a chain
  // of range tests.
  private static final byte LABEL_PART = 1; // [a-zA-Z0-9_]
  private static final byte NAME_START = 2; // [a-zA-Z_:]
  private static final byte NAME_PART = 4; // [a-zA-Z0-9_:]
  private static final byte[] CLASSES = new byte[256];

  static {
    for (int c = 0; c < 128; c++) {
      byte b = (byte) c;
      boolean labelStart = isLabelStart(b);
      boolean labelPart = isLabelPart(b);
      CLASSES[c] =
          (byte)
              ((labelPart ? LABEL_PART : 0)
                  | (labelStart || c == ':' ? NAME_START : 0)
                  | (labelPart || c == ':' ? NAME_PART : 0));
    }
  }

  private static final byte[] HELP = ascii("HELP");
  private static final byte[] TYPE = ascii("TYPE");
  private static final byte[] UNIT = ascii("UNIT");
  private static final byte[] EOF = ascii("EOF");
  private static final byte[] INF = ascii("inf");
  private static final byte[] INFINITY = ascii("infinity");
  private static final byte[] NAN = ascii("nan");

  // Suffixes a sample name may carry on top of its family's name, and the family types that
  // legitimately produce each; matching on type keeps a gauge "foo" from swallowing "foo_count".
  private static final byte[][] SUFFIXES = {
    ascii("_bucket"),
    ascii("_sum"),
    ascii("_count"),
    ascii("_total"),
    ascii("_created"),
    ascii("_gcount"),
    ascii("_gsum"),
    ascii("_info")
  };
  private static final MetricKind[][] SUFFIX_KINDS = {
    {MetricKind.HISTOGRAM, MetricKind.GAUGE_HISTOGRAM},
    {MetricKind.HISTOGRAM, MetricKind.SUMMARY},
    {MetricKind.HISTOGRAM, MetricKind.SUMMARY},
    {MetricKind.COUNTER},
    {MetricKind.COUNTER, MetricKind.HISTOGRAM, MetricKind.SUMMARY, MetricKind.GAUGE_HISTOGRAM},
    {MetricKind.GAUGE_HISTOGRAM},
    {MetricKind.GAUGE_HISTOGRAM},
    {MetricKind.INFO}
  };

  // Returned instead of a rejection reason when "# EOF" ends the body; compared by identity.
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String STOP = new String("# EOF");

  /**
   * The buffers and the string cache that one endpoint's parses reuse, one parse after the other:
   * a scrape of the same server repeats the same names and label values, so with a workspace they
   * are decoded once for all scrapes instead of once per scrape, arrive as the same String
   * instances (with their hashes computed), and the read buffer is not allocated again.
   *
   * <p>Holds no parse result, only what speeds up the next parse. Bounded: the cache starts over
   * when a parse finds it full, and a read buffer grown for an overlong line is not kept. Not
   * thread-safe: one parse at a time.
   */
  public static final class Workspace {
    private final StringCache cache = new StringCache();
    private final Map<String, MetricKind> families = new HashMap<>();
    private final String[] labelScratch = new String[MAX_LABELS * 2];
    private byte[] buf = new byte[INITIAL_BUFFER];
    private byte[] scratch = new byte[256];
    private boolean inUse;
  }

  private final InputStream in;
  private final long maxBytes;
  private final SampleHandler handler;
  private final boolean wantsFamilies;
  private final Workspace workspace;
  private final StringCache cache;
  // Declared families by name; names are cache-interned so lookups hit String's cached hash.
  private final Map<String, MetricKind> families;

  private byte[] buf;
  // Reused for label values that need unescaping, and for HELP text.
  private byte[] scratch;
  private final String[] labelScratch;

  private long lineNo;
  private long samples;
  private long rejected;
  private final List<ParseReport.Rejection> rejections = new ArrayList<>();
  private long bytesRead;
  private boolean truncated;
  private boolean eofSeen;

  // A HELP and a TYPE line for one family are reported together, so the family waits here until a
  // line about something else arrives.
  private String pendingName;
  private MetricKind pendingKind;
  private String pendingHelp;

  // Result slot for parseNumber, which must tell "not a number" apart from a NaN value.
  private double number;

  private PrometheusTextParser(
      InputStream in, long maxBytes, SampleHandler handler, Workspace workspace) {
    this.in = in;
    this.maxBytes = maxBytes;
    this.handler = handler;
    this.wantsFamilies = handler.wantsFamilies();
    this.workspace = workspace;
    workspace.cache.startOverIfFull();
    workspace.families.clear();
    this.cache = workspace.cache;
    this.families = workspace.families;
    this.buf = workspace.buf;
    this.scratch = workspace.scratch;
    this.labelScratch = workspace.labelScratch;
  }

  /**
   * Parses an exposition body from {@code in}, calling {@code handler} for each family and sample.
   *
   * <p>Reads at most {@code maxBytes} bytes of body, plus one byte beyond the cap only to tell a
   * body of exactly {@code maxBytes} from a longer one. When the body is longer it is cut:
   * {@link ParseReport#truncated()} is set and a partial last line is dropped rather than parsed,
   * since a number cut short would still look valid. Stops early at an OpenMetrics {@code # EOF}.
   * Does not close {@code in}.
   *
   * @param in the body, UTF-8
   * @param maxBytes the most bytes to read; {@code Long.MAX_VALUE} for no limit
   * @param handler receives families and samples as they are parsed
   * @return counts, rejected lines and whether the body was cut
   * @throws IOException when reading {@code in} fails (what was parsed before is already delivered)
   */
  public static ParseReport parse(InputStream in, long maxBytes, SampleHandler handler)
      throws IOException {
    return parse(in, maxBytes, handler, new Workspace());
  }

  /**
   * Parses as {@link #parse(InputStream, long, SampleHandler)} does, reusing {@code workspace}'s
   * buffers and string cache (see {@link Workspace}); what the handler receives is the same.
   *
   * @throws IllegalStateException when another parse is using {@code workspace}
   */
  public static ParseReport parse(
      InputStream in, long maxBytes, SampleHandler handler, Workspace workspace)
      throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(workspace, "workspace");
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
    }
    synchronized (workspace) {
      if (workspace.inUse) {
        throw new IllegalStateException("a parser workspace serves one parse at a time");
      }
      workspace.inUse = true;
    }
    PrometheusTextParser parser = new PrometheusTextParser(in, maxBytes, handler, workspace);
    try {
      return parser.run();
    } finally {
      parser.release();
    }
  }

  /** Hands the buffers back to the workspace; one grown for an overlong line is dropped. */
  private void release() {
    synchronized (workspace) {
      workspace.buf = buf.length <= INITIAL_BUFFER * 4 ? buf : new byte[INITIAL_BUFFER];
      workspace.scratch = scratch.length <= 64 * 1024 ? scratch : new byte[256];
      workspace.families.clear();
      workspace.inUse = false;
    }
  }

  /** Parses a complete body held in a String; a convenience for tests and small payloads. */
  public static ParseReport parse(String text, SampleHandler handler) {
    try {
      return parse(
          new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Long.MAX_VALUE, handler);
    } catch (IOException e) {
      throw new IllegalStateException("a ByteArrayInputStream cannot fail", e);
    }
  }

  /** Parses a complete body held in a String and returns only the report. */
  public static ParseReport parse(String text) {
    return parse(text, (name, family, labels, value) -> {});
  }

  private ParseReport run() throws IOException {
    int start = 0; // first byte of the current line
    int scan = 0; // where the newline search resumes
    int end = 0; // end of valid data in buf
    boolean streamEnded = false;
    boolean skippingLongLine = false;
    while (true) {
      int nl = indexOfNewline(buf, scan, end);
      if (nl >= 0) {
        lineNo++;
        if (skippingLongLine) {
          skippingLongLine = false;
          reject("line longer than " + MAX_LINE_BYTES + " bytes");
        } else if (!line(start, nl)) {
          break; // # EOF
        }
        start = scan = nl + 1;
        continue;
      }
      if (skippingLongLine) {
        start = scan = end = 0; // drop what we have of the overlong line
      } else {
        scan = end;
      }
      if (streamEnded) {
        if (skippingLongLine) {
          lineNo++;
          reject("line longer than " + MAX_LINE_BYTES + " bytes");
        } else if (start < end) {
          lineNo++;
          line(start, end); // last line without a newline is still a line
        }
        break;
      }
      if (truncated) {
        if (skippingLongLine || start < end) {
          lineNo++;
          reject("line cut at the " + maxBytes + "-byte limit");
        }
        break;
      }
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        scan -= start;
        start = 0;
      }
      if (end == buf.length) {
        if (buf.length < MAX_LINE_BYTES) {
          buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_LINE_BYTES));
        } else {
          skippingLongLine = true;
          start = scan = end = 0;
        }
      }
      long remaining = maxBytes - bytesRead;
      if (remaining == 0) {
        if (in.read() < 0) {
          streamEnded = true;
        } else {
          truncated = true;
        }
        continue;
      }
      int n = in.read(buf, end, (int) Math.min(buf.length - end, remaining));
      if (n < 0) {
        streamEnded = true;
      } else {
        end += n;
        bytesRead += n;
      }
    }
    flushFamily();
    return new ParseReport(samples, rejected, rejections, bytesRead, truncated, eofSeen);
  }

  private static int indexOfNewline(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Handles one line without its newline; returns false to stop the parse. */
  private boolean line(int s, int e) {
    byte[] b = buf;
    if (e > s && b[e - 1] == '\r') {
      e--;
    }
    if (lineNo == 1
        && e - s >= 3
        && b[s] == (byte) 0xEF
        && b[s + 1] == (byte) 0xBB
        && b[s + 2] == (byte) 0xBF) {
      s += 3;
    }
    s = skipSpace(b, s, e);
    e = trimSpace(b, s, e);
    if (s == e) {
      return true;
    }
    String reason = b[s] == '#' ? comment(b, s + 1, e) : sample(b, s, e);
    if (reason == STOP) {
      return false;
    }
    if (reason != null) {
      reject(reason);
    }
    return true;
  }

  private String comment(byte[] b, int p, int e) {
    if (p == e) {
      return null; // a bare "#"
    }
    if (!isSpace(b[p])) {
      return "expected a space after '#'";
    }
    p = skipSpace(b, p, e);
    int kw = p;
    while (p < e && !isSpace(b[p])) {
      p++;
    }
    int kwLen = p - kw;
    if (equals(b, kw, kwLen, EOF)) {
      if (p == e) {
        flushFamily();
        eofSeen = true;
        return STOP;
      }
      return null;
    }
    boolean help = equals(b, kw, kwLen, HELP);
    boolean type = !help && equals(b, kw, kwLen, TYPE);
    boolean unit = !help && !type && equals(b, kw, kwLen, UNIT);
    if (!help && !type && !unit) {
      return null; // an ordinary comment
    }
    p = skipSpace(b, p, e);
    int nameEnd = scanMetricName(b, p, e);
    if (nameEnd == p) {
      return "expected a metric name after # " + (help ? "HELP" : type ? "TYPE" : "UNIT");
    }
    if (nameEnd < e && !isSpace(b[nameEnd])) {
      return "invalid character in metric name";
    }
    String name = cache.get(b, p, nameEnd - p);
    p = skipSpace(b, nameEnd, e);
    if (unit) {
      return null; // the unit is not part of the handler contract; accept and move on
    }
    if (help) {
      String text = wantsFamilies ? unescapeHelp(b, p, e) : null;
      if (!name.equals(pendingName)) {
        flushFamily();
        pendingName = name;
      }
      pendingHelp = text;
      families.putIfAbsent(name, MetricKind.UNTYPED);
      return null;
    }
    MetricKind kind = kind(b, p, e - p);
    if (kind == null) {
      return "unknown metric type '" + ascii(b, p, e - p) + "'";
    }
    if (!name.equals(pendingName) || pendingKind != null) {
      flushFamily();
      pendingName = name;
    }
    pendingKind = kind;
    families.put(name, kind);
    return null;
  }

  private void flushFamily() {
    if (pendingName != null) {
      if (wantsFamilies) {
        handler.family(
            pendingName, pendingKind == null ? MetricKind.UNTYPED : pendingKind, pendingHelp);
      }
      pendingName = null;
      pendingKind = null;
      pendingHelp = null;
    }
  }

  private String sample(byte[] b, int p, int e) {
    int nameStart = p;
    int nameEnd = scanMetricName(b, p, e);
    if (nameEnd == nameStart) {
      return "expected a metric name";
    }
    p = skipSpace(b, nameEnd, e);
    if (p == nameEnd && p < e && b[p] != '{') {
      return "invalid character in metric name";
    }
    String name = cache.get(b, nameStart, nameEnd - nameStart);
    // A sample the handler does not want is checked as any other, but its labels are not built.
    boolean wanted = handler.wants(name);
    int pairs = 0;
    if (p < e && b[p] == '{') {
      p++;
      while (true) {
        p = skipSpace(b, p, e);
        if (p == e) {
          return "unterminated label set";
        }
        if (b[p] == '}') {
          p++;
          break;
        }
        int ln = p;
        if (!isLabelStart(b[p])) {
          return "expected a label name";
        }
        while (p < e && (CLASSES[b[p] & 0xff] & LABEL_PART) != 0) {
          p++;
        }
        int lnEnd = p;
        p = skipSpace(b, p, e);
        if (p == e || b[p] != '=') {
          return "expected '=' after label name";
        }
        p = skipSpace(b, p + 1, e);
        if (p == e || b[p] != '"') {
          return "expected '\"' to open the label value";
        }
        int vs = ++p;
        boolean escaped = false;
        while (p < e && b[p] != '"') {
          if (b[p] == '\\') {
            escaped = true;
            p++;
          }
          p++;
        }
        if (p >= e) {
          return "unterminated label value";
        }
        if (pairs == MAX_LABELS) {
          return "more than " + MAX_LABELS + " labels";
        }
        if (wanted) {
          labelScratch[pairs * 2] = cache.get(b, ln, lnEnd - ln);
          labelScratch[pairs * 2 + 1] =
              escaped ? unescapeLabel(b, vs, p) : labelValue(b, vs, p - vs);
        }
        pairs++;
        p = skipSpace(b, p + 1, e);
        if (p < e && b[p] == ',') {
          p++; // a trailing comma before '}' is fine (TorchServe writes one)
        } else if (p < e && b[p] == '}') {
          p++;
          break;
        } else {
          return p == e ? "unterminated label set" : "expected ',' or '}' after label value";
        }
      }
      p = skipSpace(b, p, e);
    }
    if (p == e) {
      return "missing value";
    }
    int vs = p;
    while (p < e && !isSpace(b[p])) {
      p++;
    }
    if (!parseNumber(b, vs, p)) {
      return "invalid value '" + ascii(b, vs, p - vs) + "'";
    }
    double value = number;
    p = skipSpace(b, p, e);
    if (p < e && b[p] != '#') {
      int ts = p;
      while (p < e && !isSpace(b[p])) {
        p++;
      }
      if (!parseNumber(b, ts, p)) {
        return "invalid timestamp '" + ascii(b, ts, p - ts) + "'";
      }
      p = skipSpace(b, p, e);
    }
    // Anything from '#' on is an OpenMetrics exemplar; it carries no value we report.
    if (p < e && b[p] != '#') {
      return "unexpected text after the value";
    }

    flushFamily();
    if (wanted) {
      String[] labels = new String[pairs * 2];
      System.arraycopy(labelScratch, 0, labels, 0, labels.length);
      handler.sample(
          name, familyOf(name, b, nameStart, nameEnd - nameStart), LabelSet.wrap(labels), value);
    }
    samples++;
    return null;
  }

  private String familyOf(String name, byte[] b, int off, int len) {
    if (families.isEmpty() || families.containsKey(name)) {
      return name;
    }
    for (int i = 0; i < SUFFIXES.length; i++) {
      byte[] suffix = SUFFIXES[i];
      int baseLen = len - suffix.length;
      if (baseLen > 0 && equals(b, off + baseLen, suffix.length, suffix)) {
        String base = cache.get(b, off, baseLen);
        MetricKind kind = families.get(base);
        if (kind != null) {
          for (MetricKind k : SUFFIX_KINDS[i]) {
            if (k == kind) {
              return base;
            }
          }
        }
      }
    }
    return name;
  }

  private String labelValue(byte[] b, int off, int len) {
    return len <= MAX_CACHED_VALUE
        ? cache.get(b, off, len)
        : new String(b, off, len, StandardCharsets.UTF_8);
  }

  private String unescapeLabel(byte[] b, int s, int e) {
    int n = 0;
    byte[] out = scratch(e - s);
    for (int p = s; p < e; p++) {
      byte c = b[p];
      if (c == '\\' && p + 1 < e) {
        byte next = b[++p];
        switch (next) {
          case '\\', '"' -> out[n++] = next;
          case 'n' -> out[n++] = '\n';
          default -> { // not an escape the format defines; keep it as written
            out[n++] = '\\';
            out[n++] = next;
          }
        }
      } else {
        out[n++] = c;
      }
    }
    return labelValue(out, 0, n);
  }

  // HELP text escapes only backslash and newline; a quote is literal there.
  private String unescapeHelp(byte[] b, int s, int e) {
    int n = 0;
    byte[] out = scratch(e - s);
    for (int p = s; p < e; p++) {
      byte c = b[p];
      if (c == '\\' && p + 1 < e && (b[p + 1] == '\\' || b[p + 1] == 'n')) {
        out[n++] = b[++p] == 'n' ? (byte) '\n' : (byte) '\\';
      } else {
        out[n++] = c;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  private byte[] scratch(int len) {
    if (scratch.length < len) {
      scratch = new byte[Math.max(len, scratch.length * 2)];
    }
    return scratch;
  }

  private void reject(String reason) {
    rejected++;
    if (rejections.size() < MAX_REPORTED_REJECTIONS) {
      rejections.add(new ParseReport.Rejection(lineNo, reason));
    }
  }

  /**
   * Parses a float as Go's strconv.ParseFloat would for the forms exporters write, into
   * {@link #number}. Mantissas up to 2^53 with small exponents are converted exactly by one
   * multiply or divide (the Clinger fast path); anything else falls back to
   * {@link Double#parseDouble}, which only then costs a String.
   */
  private boolean parseNumber(byte[] b, int s, int e) {
    int p = s;
    boolean negative = false;
    if (p < e && (b[p] == '+' || b[p] == '-')) {
      negative = b[p] == '-';
      p++;
    }
    if (p == e) {
      return false;
    }
    if (isLetter(b[p])) {
      int len = e - p;
      if (equalsIgnoreCase(b, p, len, INF) || equalsIgnoreCase(b, p, len, INFINITY)) {
        number = negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        return true;
      }
      if (equalsIgnoreCase(b, p, len, NAN)) {
        number = Double.NaN;
        return true;
      }
      return false;
    }
    long mantissa = 0;
    int exp10 = 0;
    int significant = 0;
    boolean digits = false;
    boolean exact = true;
    while (p < e && isDigit(b[p])) {
      digits = true;
      if (significant < 18) {
        mantissa = mantissa * 10 + (b[p] - '0');
        if (mantissa != 0) {
          significant++;
        }
      } else {
        exp10++;
        exact &= b[p] == '0';
      }
      p++;
    }
    if (p < e && b[p] == '.') {
      p++;
      while (p < e && isDigit(b[p])) {
        digits = true;
        if (significant < 18) {
          mantissa = mantissa * 10 + (b[p] - '0');
          exp10--;
          if (mantissa != 0) {
            significant++;
          }
        } else {
          exact &= b[p] == '0';
        }
        p++;
      }
    }
    if (!digits) {
      return false;
    }
    if (p < e && (b[p] == 'e' || b[p] == 'E')) {
      p++;
      boolean expNegative = false;
      if (p < e && (b[p] == '+' || b[p] == '-')) {
        expNegative = b[p] == '-';
        p++;
      }
      if (p == e) {
        return false;
      }
      int exp = 0;
      while (p < e && isDigit(b[p])) {
        if (exp < 100_000) {
          exp = exp * 10 + (b[p] - '0');
        }
        p++;
      }
      exp10 += expNegative ? -exp : exp;
    }
    if (p != e) {
      return false;
    }
    double v;
    if (mantissa == 0) {
      v = 0.0;
    } else if (exact && mantissa <= (1L << 53) && exp10 >= -22 && exp10 <= 22) {
      v = exp10 < 0 ? mantissa / POW10[-exp10] : mantissa * POW10[exp10];
    } else {
      // Syntax already checked above, so this cannot throw on anything we let through.
      v = Math.abs(Double.parseDouble(new String(b, s, e - s, StandardCharsets.ISO_8859_1)));
    }
    number = negative ? -v : v;
    return true;
  }

  private static final String[] KIND_NAMES = {
    "counter",
    "gauge",
    "histogram",
    "summary",
    "untyped",
    "unknown",
    "info",
    "stateset",
    "gaugehistogram"
  };
  private static final byte[][] KIND_BYTES = new byte[KIND_NAMES.length][];

  static {
    for (int i = 0; i < KIND_NAMES.length; i++) {
      KIND_BYTES[i] = ascii(KIND_NAMES[i]);
    }
  }

  private static MetricKind kind(byte[] b, int off, int len) {
    String t = "";
    for (int i = 0; i < KIND_BYTES.length; i++) {
      if (equals(b, off, len, KIND_BYTES[i])) {
        t = KIND_NAMES[i];
        break;
      }
    }
    return switch (t) {
      case "counter" -> MetricKind.COUNTER;
      case "gauge" -> MetricKind.GAUGE;
      case "histogram" -> MetricKind.HISTOGRAM;
      case "summary" -> MetricKind.SUMMARY;
      case "untyped" -> MetricKind.UNTYPED;
      case "unknown" -> MetricKind.UNKNOWN;
      case "info" -> MetricKind.INFO;
      case "stateset" -> MetricKind.STATESET;
      case "gaugehistogram" -> MetricKind.GAUGE_HISTOGRAM;
      default -> null;
    };
  }

  private static int scanMetricName(byte[] b, int p, int e) {
    if (p < e && (CLASSES[b[p] & 0xff] & NAME_START) != 0) {
      p++;
      while (p < e && (CLASSES[b[p] & 0xff] & NAME_PART) != 0) {
        p++;
      }
    }
    return p;
  }

  private static int skipSpace(byte[] b, int p, int e) {
    while (p < e && isSpace(b[p])) {
      p++;
    }
    return p;
  }

  private static int trimSpace(byte[] b, int s, int e) {
    while (e > s && isSpace(b[e - 1])) {
      e--;
    }
    return e;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isDigit(byte c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isLetter(byte c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isLabelStart(byte c) {
    return isLetter(c) || c == '_';
  }

  private static boolean isLabelPart(byte c) {
    return isLetter(c) || isDigit(c) || c == '_';
  }

  private static boolean equals(byte[] b, int off, int len, byte[] word) {
    return len == word.length && Arrays.equals(b, off, off + len, word, 0, len);
  }

  private static boolean equalsIgnoreCase(byte[] b, int off, int len, byte[] lowerWord) {
    if (len != lowerWord.length) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if ((b[off + i] | 0x20) != lowerWord[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  // For reasons only: shows at most 40 bytes, non-printable ones as '?', so a binary body cannot
  // put control characters into logs.
  private static String ascii(byte[] b, int off, int len) {
    int n = Math.min(len, 40);
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      byte c = b[off + i];
      out[i] = c >= 0x20 && c < 0x7f ? (char) c : '?';
    }
    return len > n ? new String(out) + "..." : new String(out);
  }
}
