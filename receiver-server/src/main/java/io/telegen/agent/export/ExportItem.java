package io.telegen.agent.export;

import com.google.protobuf.Message;

/**
 * One OTLP export request waiting for delivery.
 *
 * @param request an {@code ExportMetricsServiceRequest}, {@code ExportTraceServiceRequest} or
 *     {@code ExportLogsServiceRequest}, matching {@code signal}
 * @param items data points, spans or log records in it, for self-telemetry
 */
public record ExportItem(Signal signal, Message request, int items) {}
