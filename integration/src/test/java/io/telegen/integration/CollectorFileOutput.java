package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What the collector's {@code file} exporters wrote: one OTLP-JSON export request per line, one
 * file per signal. Lines are parsed with {@link JsonFormat} into the OTLP protobuf request types.
 *
 * <p>OTLP-JSON writes trace and span ids as hex, where protobuf's JSON mapping expects base64 for
 * bytes fields; the ids are converted before parsing so that they come out as the real bytes.
 */
final class CollectorFileOutput {

  private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId");
  private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})+");
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final Duration POLL = Duration.ofMillis(200);

  private final Path metricsFile;
  private final Path tracesFile;
  private final Path logsFile;
  private final Supplier<String> diagnostics;

  /** {@code diagnostics} adds context (e.g. the collector's log tail) to failure messages. */
  CollectorFileOutput(
      Path metricsFile, Path tracesFile, Path logsFile, Supplier<String> diagnostics) {
    this.metricsFile = metricsFile;
    this.tracesFile = tracesFile;
    this.logsFile = logsFile;
    this.diagnostics = diagnostics;
  }

  Path metricsFile() {
    return metricsFile;
  }

  Path tracesFile() {
    return tracesFile;
  }

  Path logsFile() {
    return logsFile;
  }

  List<ExportMetricsServiceRequest> metricsRequests() {
    return read(metricsFile, ExportMetricsServiceRequest::newBuilder);
  }

  List<ExportTraceServiceRequest> traceRequests() {
    return read(tracesFile, ExportTraceServiceRequest::newBuilder);
  }

  List<ExportLogsServiceRequest> logsRequests() {
    return read(logsFile, ExportLogsServiceRequest::newBuilder);
  }

  List<Otlp.ResourceMetric> metrics() {
    return Otlp.metrics(metricsRequests());
  }

  List<Otlp.ResourceSpan> spans() {
    return Otlp.spans(traceRequests());
  }

  /**
   * Waits for a metric called {@code name} that {@code matches}, and returns the last such one
   * written (the newest cumulative value).
   */
  Otlp.ResourceMetric awaitMetric(
      String name, Predicate<Otlp.ResourceMetric> matches, Duration timeout) {
    return awaitAnyMetric(
        "metric " + name, m -> m.metric().getName().equals(name) && matches.test(m), timeout);
  }

  /** Waits for a metric that {@code matches} (described for the failure message); returns the last. */
  Otlp.ResourceMetric awaitAnyMetric(
      String description, Predicate<Otlp.ResourceMetric> matches, Duration timeout) {
    return await(
        description,
        timeout,
        () -> {
          List<Otlp.ResourceMetric> found = metrics().stream().filter(matches).toList();
          return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
        });
  }

  /** Waits for a span called {@code name} that {@code matches}. */
  Otlp.ResourceSpan awaitSpan(String name, Predicate<Otlp.ResourceSpan> matches, Duration timeout) {
    return await(
        "span " + name,
        timeout,
        () ->
            spans().stream()
                .filter(s -> s.span().getName().equals(name))
                .filter(matches)
                .reduce((a, b) -> b));
  }

  private <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> found = probe.get();
      if (found.isPresent()) {
        return found.get();
      }
      if (System.nanoTime() > deadline) {
        fail(
            "no "
                + what
                + " in the collector's file output after "
                + timeout
                + "; it has:\n"
                + Otlp.summary(metrics(), spans())
                + diagnostics.get());
      }
      ExternalProcess.sleep(POLL);
    }
  }

  private static <T extends Message> List<T> read(
      Path file, Supplier<? extends Message.Builder> builders) {
    if (!Files.exists(file)) {
      return List.of();
    }
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<T> result = new ArrayList<>();
    int start = 0;
    for (int end = content.indexOf('\n');
        end >= 0;
        start = end + 1, end = content.indexOf('\n', start)) {
      // a line without its '\n' yet is still being written; it is read next time
      String line = content.substring(start, end).strip();
      if (!line.isEmpty()) {
        result.add(parse(line, builders.get(), file));
      }
    }
    return result;
  }

  /** One line of a metrics file, for readers that follow the file as it grows. */
  static ExportMetricsServiceRequest parseMetricsLine(String line, Path file) {
    return parse(line, ExportMetricsServiceRequest.newBuilder(), file);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T parse(String line, Message.Builder builder, Path file) {
    JsonElement json = JsonParser.parseString(line);
    hexIdsToBase64(json);
    try {
      PARSER.merge(json.toString(), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot parse a line of " + file + ": " + line, e);
    }
    return (T) builder.build();
  }

  private static void hexIdsToBase64(JsonElement json) {
    if (json instanceof JsonObject object) {
      for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
        if (ID_FIELDS.contains(entry.getKey())
            && entry.getValue() instanceof JsonPrimitive p
            && p.isString()
            && HEX.matcher(p.getAsString()).matches()) {
          byte[] id = HexFormat.of().parseHex(p.getAsString());
          entry.setValue(new JsonPrimitive(Base64.getEncoder().encodeToString(id)));
        } else {
          hexIdsToBase64(entry.getValue());
        }
      }
    } else if (json instanceof JsonArray array) {
      array.forEach(CollectorFileOutput::hexIdsToBase64);
    }
  }
}
